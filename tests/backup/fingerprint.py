"""What a backup must keep, as one JSON document: run against a database with
`DATABASE_URL=… MEDIA_ROOT=… python -m tests.backup.fingerprint`.

Every pledge signature (its hashes and chain), every score, the evidence files the scores point
at (by content), the counts of the main tables, and the verdict of the pledge verification."""

from __future__ import annotations

import hashlib
import json
import os


def digest(rows) -> str:
    return hashlib.sha256(json.dumps(list(rows), default=str, ensure_ascii=False).encode()).hexdigest()


def fingerprint() -> dict:
    from django.core.files.storage import default_storage

    from blocs.models import AuditEvent, Unit, User
    from campaigns.integrity import verify_pledge
    from campaigns.models import Pledge, PledgeSignature
    from scoring.models import Score, Scorecard, ScoringRound

    signatures = PledgeSignature.objects.order_by("pledge_id", "sequence").values_list(
        "pledge_id", "sequence", "unit_id", "signed_at", "content_hash", "previous_hash", "record_hash"
    )
    scores = Score.objects.order_by("scorecard_id", "criterion_id").values_list(
        "scorecard_id", "criterion_id", "points", "note", "evidence"
    )
    evidence = {}
    for name in Score.objects.exclude(evidence="").values_list("evidence", flat=True):
        try:
            with default_storage.open(name) as handle:
                evidence[name] = hashlib.sha256(handle.read()).hexdigest()
        except FileNotFoundError:
            evidence[name] = "missing"
    verdicts = {
        str(pledge.pk): verify_pledge(pledge, pledge.signatures.order_by("sequence")).verdict
        for pledge in Pledge.objects.frozen().select_related("campaign__bloc", "drive").order_by("pk")
    }
    return {
        "counts": {
            "units": Unit.objects.count(),
            "users": User.objects.count(),
            "pledges": Pledge.objects.count(),
            "signatures": PledgeSignature.objects.count(),
            "rounds": ScoringRound.objects.count(),
            "scorecards": Scorecard.objects.count(),
            "scores": Score.objects.count(),
            "audit_events": AuditEvent.objects.count(),
        },
        "signatures": digest(signatures),
        "scores": digest(scores),
        "evidence": evidence,
        "verification": verdicts,
    }


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thidua.settings")
    django.setup()
    print(json.dumps(fingerprint(), ensure_ascii=False, sort_keys=True))
