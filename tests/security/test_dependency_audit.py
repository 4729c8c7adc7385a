"""The dependency audit's policy (tools/dependency_audit.py): a known vulnerability fails unless
it is ignored with a reason; a feed that answered for nothing is never reported as clean."""

from __future__ import annotations

import pytest

from tools.dependency_audit import IgnoreFileError, evaluate, read_ignores

REPORT = {
    "dependencies": [
        {
            "name": "django",
            "version": "5.2.1",
            "vulns": [
                {
                    "id": "PYSEC-2025-1",
                    "aliases": ["CVE-2025-0001"],
                    "fix_versions": ["5.2.2"],
                    "description": "x",
                }
            ],
        },
        {"name": "celery", "version": "5.7.0", "vulns": []},
        {
            "name": "kombu",
            "skip_reason": "Dependency not found on PyPI and could not be audited: kombu (5.7.0)",
        },
    ],
    "fixes": [],
}


def test_a_known_vulnerability_fails_the_audit():
    outcome = evaluate(REPORT, {})
    assert outcome.found == ["django 5.2.1: PYSEC-2025-1 / CVE-2025-0001 (fixed in 5.2.2)"]
    assert (outcome.audited, outcome.not_audited) == (2, ["kombu"])
    assert outcome.failed(require_feed=False)


def test_a_vulnerability_ignored_with_a_reason_passes_by_any_of_its_ids():
    ignores = read_ignores("# comment\nCVE-2025-0001 only the admin site uses the affected view\n")
    outcome = evaluate(REPORT, ignores)
    assert outcome.found == []
    assert outcome.ignored == [
        "django 5.2.1: PYSEC-2025-1 / CVE-2025-0001 (fixed in 5.2.2) — ignored: "
        "only the admin site uses the affected view"
    ]
    assert not outcome.failed(require_feed=False)


def test_an_ignore_without_a_reason_is_refused():
    with pytest.raises(IgnoreFileError, match="line 2: PYSEC-2025-1 has no reason"):
        read_ignores("# accepted\nPYSEC-2025-1\n")


def test_an_unreachable_feed_is_not_clean_when_the_feed_is_required():
    nothing = {"dependencies": [{"name": "django", "skip_reason": "not found"}]}
    outcome = evaluate(nothing, {})
    assert (outcome.audited, outcome.found) == (0, [])
    assert not outcome.failed(require_feed=False)
    assert outcome.failed(require_feed=True)


def test_the_project_ignore_file_is_valid():
    from tools.dependency_audit import IGNORE_FILE

    for reason in read_ignores(IGNORE_FILE.read_text(encoding="utf-8")).values():
        assert len(reason) > 10
