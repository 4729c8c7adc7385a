from django.urls import path

from scoring.views import objections

urlpatterns = [
    path("dot-cham/<int:pk>/kien-nghi/", objections.objection_list, name="objection-list"),
    path("dot-cham/<int:pk>/kien-nghi/gui/", objections.objection_create, name="objection-create"),
    path("kien-nghi/<int:pk>/", objections.objection_detail, name="objection-detail"),
]
