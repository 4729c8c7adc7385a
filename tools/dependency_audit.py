"""Dependency audit: the pinned production dependencies (requirements.lock) against the known
vulnerabilities that PyPI publishes, through pip-audit.

Policy:
- any known vulnerability fails the audit, unless its id is listed in tools/audit-ignore.txt
  with a written reason (one `ID  reason` per line; an entry without a reason is an error);
- a package the vulnerability feed could not answer for is reported as "not audited". When the
  feed answers for none of them (a closed network, PyPI's per-release JSON API unreachable) the
  audit says so loudly; it fails then only with --require-feed (or AUDIT_REQUIRE_FEED=1), for the
  places that must prove an audit actually ran.

    python tools/dependency_audit.py [--requirements requirements.lock] [--require-feed]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / "tools" / "audit-ignore.txt"


class IgnoreFileError(ValueError):
    pass


def read_ignores(text: str) -> dict[str, str]:
    """{vulnerability id: reason} from the ignore file's text."""
    ignores: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            raise IgnoreFileError(f"audit-ignore.txt line {number}: {vuln_id} has no reason")
        ignores[vuln_id] = reason.strip()
    return ignores


@dataclass
class Outcome:
    found: list[str] = field(default_factory=list)  # unignored vulnerabilities
    ignored: list[str] = field(default_factory=list)
    audited: int = 0
    not_audited: list[str] = field(default_factory=list)

    def failed(self, *, require_feed: bool) -> bool:
        return bool(self.found) or (require_feed and (bool(self.not_audited) or self.audited == 0))


def evaluate(report: dict, ignores: dict[str, str]) -> Outcome:
    """Sort pip-audit's JSON report into findings, ignored findings and unaudited packages."""
    outcome = Outcome()
    for dependency in report.get("dependencies", []):
        name = dependency.get("name", "?")
        if "skip_reason" in dependency:
            outcome.not_audited.append(name)
            continue
        outcome.audited += 1
        for vuln in dependency.get("vulns", []):
            ids = [vuln.get("id", "?"), *vuln.get("aliases", [])]
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            line = f"{name} {dependency.get('version', '?')}: {' / '.join(ids)} (fixed in {fixes})"
            reason = next((ignores[i] for i in ids if i in ignores), None)
            if reason is None:
                outcome.found.append(line)
            else:
                outcome.ignored.append(f"{line} — ignored: {reason}")
    return outcome


def run_pip_audit(requirements: Path) -> dict | None:
    """pip-audit's JSON report, or None when pip-audit could not produce one."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(requirements),
            "--no-deps",  # every line of the lock file is pinned: audit exactly those
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(output),
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if not output.exists():
            sys.stderr.write(result.stderr)
            return None
        return json.loads(output.read_text(encoding="utf-8") or "{}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument(
        "--require-feed", action="store_true", default=os.environ.get("AUDIT_REQUIRE_FEED") == "1"
    )
    args = parser.parse_args(argv)

    try:
        ignores = read_ignores(
            args.ignore_file.read_text(encoding="utf-8") if args.ignore_file.exists() else ""
        )
    except IgnoreFileError as error:
        print(f"audit: {error}")
        return 2
    report = run_pip_audit(args.requirements)
    if report is None:
        print("audit: pip-audit produced no report (vulnerability feed unreachable?)")
        return 1 if args.require_feed else 0
    outcome = evaluate(report, ignores)

    for line in outcome.found:
        print(f"VULNERABLE  {line}")
    for line in outcome.ignored:
        print(f"ignored     {line}")
    total = outcome.audited + len(outcome.not_audited)
    print(f"audit: {outcome.audited} of {total} pinned packages audited, {len(outcome.found)} vulnerable")
    if outcome.not_audited:
        print(f"audit: not audited (the feed had no answer): {', '.join(outcome.not_audited)}")
    if total and outcome.audited == 0:
        print(
            "audit: WARNING: the vulnerability feed answered for no package, so nothing was "
            "checked; run `make audit` where PyPI's JSON API is reachable."
        )
    return 1 if outcome.failed(require_feed=args.require_feed) else 0


if __name__ == "__main__":
    sys.exit(main())
