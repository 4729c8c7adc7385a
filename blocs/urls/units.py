from django.urls import path

from blocs.views import units

urlpatterns = [
    path("don-vi/", units.unit_list, name="unit-list"),
    path("don-vi/them/", units.unit_create, name="unit-create"),
    path("don-vi/<int:pk>/", units.unit_detail, name="unit-detail"),
    path("don-vi/<int:pk>/sua/", units.unit_edit, name="unit-edit"),
    path("don-vi/xuat-excel/", units.unit_export, name="unit-export"),
    path("don-vi/mau-nhap.xlsx", units.unit_import_template, name="unit-import-template"),
    path("don-vi/nhap-excel/", units.unit_import, name="unit-import"),
    path("don-vi/nhap-excel/xem-truoc/", units.unit_import_preview, name="unit-import-preview"),
    path("don-vi/nhap-excel/xac-nhan/", units.unit_import_confirm, name="unit-import-confirm"),
    path("don-vi/nhap-excel/huy/", units.unit_import_cancel, name="unit-import-cancel"),
]
