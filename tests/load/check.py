"""After the load test: every cell whose change a save confirmed (302) holds the last value
confirmed for it — no save overwrote another silently (no lost update).

    python -m tests.load.check --writes var/load/writes.json --targets var/load/targets.json

Prints one line; exit status 1 when a cell holds something else."""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path


def lost_updates(confirmed: dict[str, str], round_id: int) -> list[str]:
    from scoring.models import Score, ScorecardKind

    kinds = {"final": ScorecardKind.FINAL, "self": ScorecardKind.SELF}
    stored = {
        (kind, unit, criterion): points
        for kind, unit, criterion, points in Score.objects.filter(scorecard__round_id=round_id).values_list(
            "scorecard__kind", "scorecard__scored_unit_id", "criterion_id", "points"
        )
    }
    problems = []
    for cell, value in confirmed.items():
        kind, unit, criterion = cell.split(":")
        expected = Decimal(value.replace(",", "."))
        found = stored.get((kinds[kind], int(unit), int(criterion)))
        if found != expected:
            problems.append(f"{cell}: đã xác nhận {expected}, trong CSDL {found}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kiểm tra mất cập nhật sau kiểm thử tải.")
    parser.add_argument("--writes", type=Path, required=True)
    parser.add_argument("--targets", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thidua.settings")
    import django

    django.setup()
    if not args.writes.exists():
        print("không có tệp các ô đã lưu (locust không ghi được)")
        return 1
    confirmed = json.loads(args.writes.read_text(encoding="utf-8"))
    round_id = json.loads(args.targets.read_text(encoding="utf-8"))["round"]["id"]
    problems = lost_updates(confirmed, round_id)
    if problems:
        print(
            f"{len(problems)} trong {len(confirmed)} ô đã lưu không còn giá trị đã xác nhận: "
            + "; ".join(problems[:5])
        )
        return 1
    print(
        f"{len(confirmed)} ô (khác nhau) đã được lưu thành công đều giữ giá trị được xác nhận sau cùng, "
        "không mất cập nhật"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
