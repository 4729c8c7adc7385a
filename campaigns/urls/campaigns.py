from django.urls import path

from campaigns.views import campaigns

# A campaign's own page (`/phong-trao/<pk>/`, name `campaign-overview`) lives in the
# composition root: it combines drives, pledges, rounds and reviews.
urlpatterns = [
    path("khoi/<int:bloc_pk>/phong-trao/", campaigns.campaign_list, name="campaign-list"),
    path("khoi/<int:bloc_pk>/phong-trao/them/", campaigns.campaign_create, name="campaign-create"),
    path("khoi/<int:bloc_pk>/phong-trao/sao-chep/", campaigns.campaign_copy, name="campaign-copy"),
    path("phong-trao/<int:pk>/sua/", campaigns.campaign_update, name="campaign-edit"),
    path("phong-trao/<int:pk>/phat-dong/", campaigns.campaign_activate, name="campaign-activate"),
    path("phong-trao/<int:pk>/ket-thuc/", campaigns.campaign_close, name="campaign-close"),
    path("phong-trao/<int:pk>/dot/them/", campaigns.drive_create, name="drive-create"),
    path("dot/<int:pk>/sua/", campaigns.drive_update, name="drive-edit"),
    path("dot/<int:pk>/xoa/", campaigns.drive_delete, name="drive-delete"),
]
