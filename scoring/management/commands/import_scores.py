"""`manage.py import_scores <round id> <file.xlsx>`: import a round's final scores from a
workbook that a unit sent from outside the network, with the same reading and checks as the
upload page (scoring.services.score_excel).

Prints the plan in Vietnamese (counts, then every change and every invalid cell) and exits with
a non-zero status when any cell is invalid, when someone saved a card meanwhile, or when the
round refuses the scores. `--dry-run` writes nothing. The scores are written in the name of
`--user`, who must be an admin or of the bloc's secretariat."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from scoring.models import ScoringRound
from scoring.services import score_excel
from scoring.services.scorecards import ScoreConflict
from thidua.lib.numbers import format_decimal

MANAGE = "scoring.manage_scoring"
MAX_FILE_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Nhập điểm chốt của một đợt chấm từ tệp Excel (tệp mẫu của đợt đã điền điểm), cùng các "
        "bước kiểm tra như trang nhập Excel. In từng ô thay đổi và từng ô lỗi; trả mã lỗi khác 0 "
        "nếu có ô lỗi hoặc xung đột."
    )

    def add_arguments(self, parser):
        parser.add_argument("round_id", type=int, help="Mã số đợt chấm.")
        parser.add_argument("file", help="Đường dẫn tệp .xlsx.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ kiểm tra và in kết quả, không ghi gì."
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Tên đăng nhập của người nhập (quản trị viên hoặc cán bộ thi đua của khối/cụm); bắt buộc khi ghi.",
        )
        parser.add_argument(
            "--reason", default="", help="Lý do đính chính (bắt buộc khi đợt chấm đã công bố)."
        )

    def handle(self, *args, **options):
        scoring_round = (
            ScoringRound.objects.select_related("campaign__bloc", "criteria_set")
            .filter(pk=options["round_id"])
            .first()
        )
        if scoring_round is None:
            raise CommandError(f"Không có đợt chấm mã số {options['round_id']}.")
        actor = self._actor(options["user"], scoring_round, required=not options["dry_run"])
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"Tệp {path} quá lớn; tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc.strerror or exc}.") from exc

        try:
            plan = score_excel.score_import_plan(scoring_round=scoring_round, data=data)
        except score_excel.ImportFileError as exc:
            raise CommandError(f"Tệp {path.name}: {exc}") from exc
        self._print_plan(plan, scoring_round, path)

        if plan.has_errors:
            raise CommandError(f"Tệp có {len(plan.problems)} ô lỗi; không có điểm nào được ghi.")
        if options["dry_run"]:
            self.stdout.write("Chạy thử (--dry-run): không có điểm nào được ghi.")
            return
        if not plan.changes:
            self.stdout.write("Không có ô nào khác với điểm đang lưu; không có gì để ghi.")
            return
        try:
            result = score_excel.score_import_apply(
                scoring_round=scoring_round,
                data=data,
                fingerprint=plan.fingerprint,
                base_versions=plan.base_versions,
                actor=actor,
                reason=options["reason"],
                filename=path.name,
            )
        except ScoreConflict as exc:
            lines = [
                f"{card.unit_name}: {card.updated_by} đã lưu lúc {timezone.localtime(card.updated_at):%H:%M %d/%m/%Y}"
                if card.updated_at
                else f"{card.unit_name}: {card.updated_by}"
                for card in exc.cards
            ]
            raise CommandError(f"Xung đột, không có điểm nào được ghi. {'; '.join(lines)}.") from exc
        except score_excel.ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã ghi {result.changed} ô điểm ({result.created} nhập mới, {result.updated} sửa) "
                f"của {plan.changed_units} đơn vị, người nhập: {actor.get_username()}."
            )
        )

    def _actor(self, username: str | None, scoring_round: ScoringRound, *, required: bool):
        if not username:
            if required:
                raise CommandError(
                    "Hãy cho biết người nhập bằng --user TÊN_ĐĂNG_NHẬP (hoặc chạy thử với --dry-run)."
                )
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Không có người dùng “{username}” (hoặc tài khoản đã bị khóa).")
        if not user.has_perm(MANAGE, scoring_round.campaign.bloc):
            raise CommandError(
                f"Người dùng “{username}” không phải quản trị viên hay cán bộ thi đua của "
                f"{scoring_round.campaign.bloc.name}, không được nhập điểm."
            )
        return user

    def _print_plan(self, plan: score_excel.ScoreImportPlan, scoring_round: ScoringRound, path: Path) -> None:
        self.stdout.write(f"Đợt chấm: {scoring_round} ({scoring_round.get_state_display().lower()})")
        self.stdout.write(f"Tệp: {path.name}")
        self.stdout.write(
            f"{len(plan.units)} đơn vị, {plan.criteria} tiêu chí; {len(plan.changes)} ô thay đổi "
            f"({plan.changed_units} đơn vị), {plan.unchanged} ô không đổi, {len(plan.problems)} ô lỗi."
        )
        for change in plan.changes:
            old = format_decimal(change.old) if change.old is not None else "(trống)"
            self.stdout.write(
                f"  {change.ref}: {change.unit.code} – tiêu chí {change.criterion_code}: {old} → "
                f"{format_decimal(change.new)}"
            )
        for problem in plan.problems:
            where = ", ".join(
                part
                for part in (problem.unit, f"tiêu chí {problem.criterion}" if problem.criterion else "")
                if part
            )
            self.stdout.write(
                self.style.ERROR(f"  LỖI {problem.ref}{f' ({where})' if where else ''}: {problem.reason}")
            )
