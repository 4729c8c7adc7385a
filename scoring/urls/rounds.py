from django.urls import path

from scoring.views import rounds

urlpatterns = [
    path("phong-trao/<int:campaign_pk>/quy-tac-tinh-diem/", rounds.rules_edit, name="rules"),
    path("phong-trao/<int:campaign_pk>/dot-cham/", rounds.round_list, name="round-list"),
    path("phong-trao/<int:campaign_pk>/dot-cham/them/", rounds.round_create, name="round-create"),
    path("dot-cham/<int:pk>/", rounds.round_detail, name="round-detail"),
    path("dot-cham/<int:pk>/sua/", rounds.round_edit, name="round-edit"),
    path("dot-cham/<int:pk>/khoa-so/", rounds.round_close, name="round-close"),
    path("dot-cham/<int:pk>/mo-lai/", rounds.round_reopen, name="round-reopen"),
    path("dot-cham/<int:pk>/cong-bo/", rounds.round_publish, name="round-publish"),
]
