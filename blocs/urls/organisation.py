from django.urls import path

from blocs.views import organisation

urlpatterns = [
    path("khoi/", organisation.bloc_list, name="bloc-list"),
    path("khoi/<int:pk>/", organisation.bloc_detail, name="bloc-detail"),
]
