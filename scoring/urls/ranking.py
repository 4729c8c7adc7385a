from django.urls import path

from scoring.views import ranking

urlpatterns = [
    path("xep-hang/", ranking.ranking_overview, name="ranking-overview"),
    path("phong-trao/<int:campaign_pk>/xep-hang/", ranking.ranking_index, name="ranking-index"),
    path("phong-trao/<int:campaign_pk>/xep-hang/<str:period>/", ranking.ranking_page, name="ranking"),
    path(
        "phong-trao/<int:campaign_pk>/xep-hang/<str:period>/excel/", ranking.ranking_xlsx, name="ranking-xlsx"
    ),
    path("phong-trao/<int:campaign_pk>/xep-hang/<str:period>/csv/", ranking.ranking_csv, name="ranking-csv"),
    path(
        "phong-trao/<int:campaign_pk>/xep-hang/<str:period>/don-vi/<int:unit_pk>/",
        ranking.ranking_unit,
        name="ranking-unit",
    ),
]
