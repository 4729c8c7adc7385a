from django.urls import path

from awards.views import elections

urlpatterns = [
    path("hoi-nghi/<int:review_pk>/suy-ton/", elections.election_detail, name="election"),
    path("hoi-nghi/<int:review_pk>/suy-ton/chuan-bi/", elections.election_prepare, name="election-prepare"),
    path("hoi-nghi/<int:review_pk>/suy-ton/bo-sung/", elections.candidate_add, name="election-candidate-add"),
    path(
        "hoi-nghi/<int:review_pk>/suy-ton/don-vi/<int:candidate_pk>/bo/",
        elections.candidate_remove,
        name="election-candidate-remove",
    ),
    path("hoi-nghi/<int:review_pk>/suy-ton/mo/", elections.election_open, name="election-open"),
    path("hoi-nghi/<int:review_pk>/suy-ton/phieu-bau/", elections.election_ballot, name="election-ballot"),
    path("hoi-nghi/<int:review_pk>/suy-ton/phieu-giay/", elections.election_paper, name="election-paper"),
    path("hoi-nghi/<int:review_pk>/suy-ton/kiem-phieu/", elections.election_count, name="election-count"),
    path("hoi-nghi/<int:review_pk>/suy-ton/ket-thuc/", elections.election_abandon, name="election-abandon"),
    path("hoi-nghi/<int:review_pk>/suy-ton/bien-ban/", elections.election_minutes, name="election-minutes"),
]
