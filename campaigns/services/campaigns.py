"""Campaigns (emulation years) and their peak drives."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from blocs.models import AuditEvent, Bloc
from blocs.services.audit import audit_record
from campaigns.models import (
    Campaign,
    CampaignState,
    Drive,
    Pledge,
    PledgeItem,
    PledgeState,
)
from thidua.lib.text import nfc

CAMPAIGN_FIELDS = {"name", "theme", "guiding_idea", "starts_on", "ends_on", "launched_on"}


def _clean_targets(targets: list[str] | None) -> list[str]:
    return [nfc(t) for t in (targets or []) if t and nfc(t)]


@transaction.atomic
def campaign_create(
    *,
    bloc: Bloc,
    year: int,
    name: str,
    theme: str = "",
    guiding_idea: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    launched_on: date | None = None,
    actor,
) -> Campaign:
    default_start, default_end = Campaign.default_dates(year)
    campaign = Campaign(
        bloc=bloc,
        year=year,
        name=nfc(name),
        theme=nfc(theme),
        guiding_idea=nfc(guiding_idea),
        starts_on=starts_on or default_start,
        ends_on=ends_on or default_end,
        launched_on=launched_on,
    )
    campaign.full_clean()
    campaign.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Tạo {campaign.name} của {bloc.name}", actor=actor)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor, **changes) -> Campaign:
    unknown = set(changes) - CAMPAIGN_FIELDS
    if unknown:
        raise TypeError(f"campaign_update: unknown fields {sorted(unknown)}")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state == CampaignState.CLOSED:
        raise ValidationError("Phong trào đã kết thúc, không thể sửa.")
    for name, value in changes.items():
        setattr(campaign, name, nfc(value) if isinstance(value, str) else value)
    campaign.full_clean()
    outside = [
        d.name
        for d in campaign.drives.all()
        if d.starts_on < campaign.starts_on or d.ends_on > campaign.ends_on
    ]
    if outside:
        raise ValidationError(
            {
                "starts_on": f"Các đợt thi đua sau sẽ nằm ngoài thời gian mới của phong trào: {', '.join(outside)}."
            }
        )
    campaign.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE, summary=f"Sửa {campaign.name} của {campaign.bloc.name}", actor=actor
    )
    return campaign


@transaction.atomic
def campaign_activate(*, campaign: Campaign, actor) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != CampaignState.DRAFT:
        raise ValidationError("Chỉ phong trào đang ở trạng thái dự thảo mới có thể phát động.")
    campaign.state = CampaignState.ACTIVE
    if campaign.launched_on is None:
        campaign.launched_on = max(campaign.starts_on, min(timezone.localdate(), campaign.ends_on))
    campaign.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE,
        summary=f"Phát động {campaign.name} của {campaign.bloc.name}",
        actor=actor,
    )
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, actor) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != CampaignState.ACTIVE:
        raise ValidationError("Chỉ phong trào đang thực hiện mới có thể kết thúc.")
    campaign.state = CampaignState.CLOSED
    campaign.save()
    # The year is over: pledges still open for signing end with it, as they stand.
    for pledge in campaign.pledges.filter(state__in=[PledgeState.OPEN, PledgeState.COMPLETE]):
        pledge.state = PledgeState.CLOSED
        pledge.save(update_fields=["state"])
    audit_record(
        kind=AuditEvent.Kind.CHANGE, summary=f"Kết thúc {campaign.name} của {campaign.bloc.name}", actor=actor
    )
    return campaign


def _same_day_next_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def campaign_copy(*, source: Campaign, year: int, actor) -> Campaign:
    """Start a year from an earlier one: theme, guiding idea, drives (same days of the year)
    and draft pledges with their items. Signatures and states are not copied."""
    shift = year - source.year
    if shift <= 0:
        raise ValidationError({"year": "Năm của phong trào mới phải sau năm của phong trào được sao chép."})
    name = (
        source.name.replace(str(source.year), str(year)) if str(source.year) in source.name else source.name
    )
    campaign = campaign_create(
        bloc=source.bloc,
        year=year,
        name=name,
        theme=source.theme,
        guiding_idea=source.guiding_idea,
        actor=actor,
    )
    Campaign.objects.filter(pk=campaign.pk).update(copied_from=source)
    drives: dict[int, Drive] = {}
    for drive in source.drives.all():
        new_drive = Drive(
            campaign=campaign,
            name=drive.name,
            starts_on=_same_day_next_year(drive.starts_on, shift),
            ends_on=_same_day_next_year(drive.ends_on, shift),
            contents=drive.contents,
            targets=list(drive.targets),
        )
        new_drive.full_clean()
        new_drive.save()
        drives[drive.pk] = new_drive
    latest = (
        source.pledges.exclude(state=PledgeState.REVOKED)
        .filter(superseded_by__isnull=True)
        .prefetch_related("items")
    )
    for pledge in latest:
        title = pledge.title.replace(str(source.year), str(year))
        copy = Pledge.objects.create(
            campaign=campaign,
            drive=drives.get(pledge.drive_id),
            period=pledge.period,
            title=title,
            preamble=pledge.preamble.replace(str(source.year), str(year)),
        )
        PledgeItem.objects.bulk_create(
            PledgeItem(
                pledge=copy,
                position=item.position,
                content=item.content,
                indicator=item.indicator,
                unit_of_measure=item.unit_of_measure,
                comparison=item.comparison,
                target_value=item.target_value,
            )
            for item in pledge.items.all()
        )
    campaign.copied_from = source
    return campaign


DRIVE_FIELDS = {"name", "starts_on", "ends_on", "contents", "targets"}


@transaction.atomic
def drive_create(
    *,
    campaign: Campaign,
    name: str,
    starts_on: date,
    ends_on: date,
    contents: str = "",
    targets: list[str] | None = None,
    actor,
) -> Drive:
    if campaign.state == CampaignState.CLOSED:
        raise ValidationError("Phong trào đã kết thúc, không thể thêm đợt thi đua.")
    drive = Drive(
        campaign=campaign,
        name=nfc(name),
        starts_on=starts_on,
        ends_on=ends_on,
        contents=nfc(contents),
        targets=_clean_targets(targets),
    )
    drive.full_clean()
    drive.save()
    audit_record(
        kind=AuditEvent.Kind.CHANGE, summary=f"Thêm đợt “{drive.name}” vào {campaign.name}", actor=actor
    )
    return drive


@transaction.atomic
def drive_update(*, drive: Drive, actor, **changes) -> Drive:
    unknown = set(changes) - DRIVE_FIELDS
    if unknown:
        raise TypeError(f"drive_update: unknown fields {sorted(unknown)}")
    drive = Drive.objects.select_for_update(of=("self",)).select_related("campaign__bloc").get(pk=drive.pk)
    if drive.campaign.state == CampaignState.CLOSED:
        raise ValidationError("Phong trào đã kết thúc, không thể sửa đợt thi đua.")
    if drive.pledges.exclude(state=PledgeState.DRAFT).exists():
        raise ValidationError(
            "Đợt thi đua đã có giao ước mở ký, không thể sửa (nội dung giao ước đã niêm phong)."
        )
    for name, value in changes.items():
        if name == "targets":
            value = _clean_targets(value)
        setattr(drive, name, nfc(value) if isinstance(value, str) else value)
    drive.full_clean()
    drive.save()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=f"Sửa đợt “{drive.name}”", actor=actor)
    return drive


@transaction.atomic
def drive_delete(*, drive: Drive, actor) -> None:
    drive = Drive.objects.select_for_update(of=("self",)).select_related("campaign__bloc").get(pk=drive.pk)
    if drive.campaign.state == CampaignState.CLOSED:
        raise ValidationError("Phong trào đã kết thúc, không thể xóa đợt thi đua.")
    if drive.pledges.exists():
        raise ValidationError("Đợt thi đua đã có giao ước, không thể xóa.")
    summary = f"Xóa đợt “{drive.name}” của {drive.campaign.name}"
    drive.delete()
    audit_record(kind=AuditEvent.Kind.CHANGE, summary=summary, actor=actor)
