from django.urls import path

from scoring.views import self_assessment

urlpatterns = [
    path("dot-cham/<int:pk>/tu-cham/", self_assessment.self_assessment_page, name="self-assessment"),
    path(
        "dot-cham/<int:pk>/tu-cham/gui/",
        self_assessment.self_assessment_submit,
        name="self-assessment-submit",
    ),
    path("minh-chung/<int:score_pk>/", self_assessment.evidence_download, name="evidence-download"),
    path("minh-chung/<int:score_pk>/tai-len/", self_assessment.evidence_upload, name="evidence-upload"),
    path("minh-chung/<int:score_pk>/xoa/", self_assessment.evidence_remove, name="evidence-remove"),
]
