from django.urls import path

from blocs.views import units

urlpatterns = [
    path("don-vi/", units.unit_list, name="unit-list"),
    path("don-vi/nhap-excel/", units.unit_import, name="unit-import"),
]
