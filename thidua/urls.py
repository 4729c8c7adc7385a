from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from thidua import overview, search, views
from thidua.forms import LoginForm, VietnamesePasswordChangeForm
from thidua.home import views as home_views

admin.site.site_header = "Quản trị hệ thống thi đua"
admin.site.site_title = "Thi đua"
admin.site.index_title = "Quản trị dữ liệu"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("trang-chu/tinh-trang-he-thong/", home_views.health_panel, name="home-health"),
    path("healthz/", views.healthz, name="healthz"),
    path("tim-kiem/", search.search_page, name="search"),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "doi-mat-khau/",
        auth_views.PasswordChangeView.as_view(form_class=VietnamesePasswordChangeForm),
        name="password_change",
    ),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("blocs.urls")),
    path("", include("campaigns.urls")),
    path("", include("scoring.urls")),
    path("", include("awards.urls")),
    path("", include("reports.urls")),
    path("phong-trao/<int:pk>/", overview.campaign_overview, name="campaign-overview"),
    path("quan-tri/", admin.site.urls),
]
