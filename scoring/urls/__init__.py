"""URLs of scoring, one module per area."""

from scoring.urls import criteria, entry, rounds

app_name = "scoring"
urlpatterns = [*criteria.urlpatterns, *rounds.urlpatterns, *entry.urlpatterns]
