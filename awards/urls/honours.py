from django.urls import path

from awards.views import honours

urlpatterns = [
    path("danh-hieu/", honours.title_list, name="title-list"),
    path("danh-hieu/them/", honours.title_create, name="title-create"),
    path("danh-hieu/<int:pk>/sua/", honours.title_edit, name="title-edit"),
    path("danh-hieu/<int:pk>/dieu-kien/them/", honours.title_rule_add, name="title-rule-add"),
    path("dieu-kien-xet/<int:pk>/sua/", honours.title_rule_edit, name="title-rule-edit"),
    path("dieu-kien-xet/<int:pk>/xoa/", honours.title_rule_delete, name="title-rule-delete"),
    path("hoi-nghi/<int:review_pk>/de-nghi-khen-thuong/", honours.nominations, name="nominations"),
    path(
        "hoi-nghi/<int:review_pk>/de-nghi-khen-thuong/lap/",
        honours.nominations_generate,
        name="nominations-generate",
    ),
    path("danh-sach-de-nghi/<int:pk>/them/", honours.nomination_add, name="nomination-add"),
    path("danh-sach-de-nghi/<int:pk>/trinh/", honours.nomination_list_submit, name="nomination-list-submit"),
    path("de-nghi-khen-thuong/<int:pk>/giai-trinh/", honours.nomination_justify, name="nomination-justify"),
    path("de-nghi-khen-thuong/<int:pk>/bo/", honours.nomination_remove, name="nomination-remove"),
    path("de-nghi-khen-thuong/<int:pk>/xet/", honours.nomination_decide, name="nomination-decide"),
    path("khoi/<int:bloc_pk>/quyet-dinh-khen-thuong/them/", honours.decision_create, name="decision-create"),
    path("quyet-dinh-khen-thuong/<int:pk>/", honours.decision_detail, name="decision-detail"),
    path("don-vi/<int:unit_pk>/khen-thuong/", honours.unit_awards, name="unit-awards"),
    path("khoi/<int:bloc_pk>/khen-thuong/", honours.bloc_awards_page, name="bloc-awards"),
    path("khoi/<int:bloc_pk>/khen-thuong/excel/", honours.bloc_awards_excel, name="bloc-awards-excel"),
]
