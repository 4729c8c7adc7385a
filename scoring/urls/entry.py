from django.urls import path

from scoring.views import entry

urlpatterns = [
    path("dot-cham/<int:pk>/bang-diem/", entry.grid, name="grid"),
    path("dot-cham/<int:pk>/so-sanh/", entry.comparison, name="comparison"),
    path(
        "dot-cham/<int:pk>/lich-su/<int:unit_pk>/<int:criterion_pk>/",
        entry.cell_history_view,
        name="cell-history",
    ),
]
