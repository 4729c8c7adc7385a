"""Benchmarks on the scale dataset (`make bench`, DESIGN.md §8); never run as timed tests."""
