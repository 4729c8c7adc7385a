"""Home pages by role (DESIGN.md §3: pages of the composition root that combine apps)."""
