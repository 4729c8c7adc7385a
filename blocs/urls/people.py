from django.urls import path

from blocs.views import people

urlpatterns = [
    path("nguoi-dung/", people.user_list, name="user-list"),
    path("nhat-ky/", people.audit_list, name="audit-list"),
]
