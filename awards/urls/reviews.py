from django.urls import path

from awards.views import reviews

urlpatterns = [
    path("phong-trao/<int:campaign_pk>/hoi-nghi/", reviews.review_list, name="review-list"),
    path("phong-trao/<int:campaign_pk>/hoi-nghi/them/", reviews.review_create, name="review-create"),
    path("hoi-nghi/<int:pk>/", reviews.review_detail, name="review-detail"),
    path("hoi-nghi/<int:pk>/sua/", reviews.review_edit, name="review-edit"),
    path("hoi-nghi/<int:pk>/thanh-phan/", reviews.review_attendance, name="review-attendance"),
    path(
        "hoi-nghi/<int:pk>/bao-cao/<int:section_pk>/", reviews.review_section_edit, name="review-section-edit"
    ),
    path("hoi-nghi/<int:pk>/da-to-chuc/", reviews.review_held, name="review-held"),
    path("hoi-nghi/<int:pk>/chot/", reviews.review_close, name="review-close"),
    path("hoi-nghi/<int:pk>/phien-ban-moi/", reviews.review_reissue, name="review-reissue"),
]
