from django.urls import path

from scoring.views import excel

urlpatterns = [
    path("dot-cham/<int:pk>/mau-excel.xlsx", excel.excel_template, name="excel-template"),
    path("dot-cham/<int:pk>/xuat-excel.xlsx", excel.excel_export, name="excel-export"),
    path("dot-cham/<int:pk>/nhap-excel/", excel.excel_import, name="excel-import"),
    path("dot-cham/<int:pk>/nhap-excel/xem-truoc/", excel.excel_import_preview, name="excel-import-preview"),
    path("dot-cham/<int:pk>/nhap-excel/xac-nhan/", excel.excel_import_confirm, name="excel-import-confirm"),
    path("dot-cham/<int:pk>/nhap-excel/huy/", excel.excel_import_cancel, name="excel-import-cancel"),
]
