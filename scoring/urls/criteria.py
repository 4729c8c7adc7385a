from django.urls import path

from scoring.views import criteria

urlpatterns = [
    path("phong-trao/<int:campaign_pk>/tieu-chi/", criteria.criteria_list, name="criteria-list"),
    path(
        "phong-trao/<int:campaign_pk>/tieu-chi/tao/", criteria.criteria_set_create, name="criteria-set-create"
    ),
    path(
        "phong-trao/<int:campaign_pk>/tieu-chi/nap-mau/",
        criteria.criteria_import_sample,
        name="criteria-import-sample",
    ),
    path(
        "phong-trao/<int:campaign_pk>/tieu-chi/nhap-excel/",
        criteria.criteria_import_excel,
        name="criteria-import-excel",
    ),
    path(
        "phong-trao/<int:campaign_pk>/tieu-chi/tai-excel/",
        criteria.criteria_excel_download,
        name="criteria-excel",
    ),
    path("phong-trao/<int:campaign_pk>/tieu-chi/sao-chep/", criteria.criteria_copy, name="criteria-copy"),
    path(
        "bo-tieu-chi/<int:pk>/phien-ban-moi/", criteria.criteria_set_new_version, name="criteria-new-version"
    ),
    path("bo-tieu-chi/<int:pk>/them/", criteria.criterion_add, name="criterion-add"),
    path("tieu-chi/<int:pk>/sua/", criteria.criterion_edit, name="criterion-edit"),
    path("tieu-chi/<int:pk>/xoa/", criteria.criterion_delete, name="criterion-delete"),
    path("tieu-chi/<int:pk>/len/", criteria.criterion_move, {"offset": -1}, name="criterion-up"),
    path("tieu-chi/<int:pk>/xuong/", criteria.criterion_move, {"offset": 1}, name="criterion-down"),
]
