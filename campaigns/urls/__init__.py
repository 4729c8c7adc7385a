"""URLs of campaigns, drives and pledges, one module per area."""

from campaigns.urls import campaigns, pledges

app_name = "campaigns"
urlpatterns = [*campaigns.urlpatterns, *pledges.urlpatterns]
