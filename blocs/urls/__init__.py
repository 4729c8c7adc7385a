"""URLs of the organisation, one module per area."""

from blocs.urls import organisation, people, units

app_name = "blocs"
urlpatterns = [*units.urlpatterns, *organisation.urlpatterns, *people.urlpatterns]
