"""URLs of scoring, one module per area."""

from scoring.urls import criteria, entry, excel, objections, ranking, rounds, self_assessment

app_name = "scoring"
urlpatterns = [
    *criteria.urlpatterns,
    *rounds.urlpatterns,
    *entry.urlpatterns,
    *self_assessment.urlpatterns,
    *excel.urlpatterns,
    *objections.urlpatterns,
    *ranking.urlpatterns,
]
