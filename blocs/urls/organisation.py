from django.urls import path

from blocs.views import organisation

urlpatterns = [
    path("khoi/", organisation.bloc_list, name="bloc-list"),
    path("khoi/them/", organisation.bloc_create, name="bloc-create"),
    path("khoi/<int:pk>/", organisation.bloc_detail, name="bloc-detail"),
    path("khoi/<int:pk>/sua/", organisation.bloc_update, name="bloc-update"),
    path("khoi/<int:pk>/thanh-vien/them/", organisation.membership_add, name="membership-add"),
    path(
        "khoi/<int:pk>/thanh-vien/<int:membership_pk>/roi/",
        organisation.membership_end,
        name="membership-end",
    ),
    path("khoi/<int:pk>/truong-khoi/", organisation.chair_term_set, name="chairterm-set"),
    path(
        "khoi/<int:pk>/truong-khoi/<int:term_pk>/xoa/",
        organisation.chair_term_delete,
        name="chairterm-delete",
    ),
]
