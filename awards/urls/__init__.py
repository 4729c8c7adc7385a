"""URLs of awards, one module per area."""

from awards.urls import elections, honours, reviews

app_name = "awards"
urlpatterns = [
    *reviews.urlpatterns,
    *elections.urlpatterns,
    *honours.urlpatterns,
]
