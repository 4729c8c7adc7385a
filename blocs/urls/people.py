from django.urls import path

from blocs.views import people

urlpatterns = [
    path("nguoi-dung/", people.user_list, name="user-list"),
    path("nguoi-dung/them/", people.user_create, name="user-create"),
    path("nguoi-dung/<int:pk>/", people.user_detail, name="user-detail"),
    path("nguoi-dung/<int:pk>/sua/", people.user_update, name="user-update"),
    path("nguoi-dung/<int:pk>/vai-tro/them/", people.assignment_add, name="assignment-add"),
    path(
        "nguoi-dung/<int:pk>/vai-tro/<int:assignment_pk>/xoa/",
        people.assignment_remove,
        name="assignment-remove",
    ),
    path(
        "nguoi-dung/<int:pk>/dang-xuat-moi-thiet-bi/",
        people.user_sign_out_everywhere,
        name="user-sign-out-everywhere",
    ),
    path("tai-khoan/dang-xuat-moi-thiet-bi/", people.sign_out_everywhere, name="sign-out-everywhere"),
    path("nhat-ky/", people.audit_list, name="audit-list"),
]
