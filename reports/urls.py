from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("hoi-nghi/<int:pk>/bao-cao-pdf/", views.review_reports, name="review"),
    path("giao-uoc/<int:pk>/bao-cao-pdf/", views.pledge_reports, name="pledge"),
    path("dot-cham/<int:pk>/bao-cao-pdf/", views.round_reports, name="round"),
    path("bao-cao/<int:pk>/", views.job_detail, name="job-detail"),
    path("bao-cao/<int:pk>/tien-do/", views.job_progress, name="job-progress"),
    path("bao-cao/<int:pk>/tai-ve/", views.job_download, name="job-download"),
    path("bao-cao/<int:pk>/tao-lai/", views.job_retry, name="job-retry"),
]
