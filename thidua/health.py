"""Health of the parts the product needs: database, broker, workers."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    from thidua.celery import app

    transport = settings.CELERY_BROKER_URL.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": type(exc).__name__}
    return {"ok": True, "transport": transport}


def check_workers() -> dict:
    from thidua.models import WorkerHeartbeat

    try:
        latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    if latest is None:
        return {"ok": False, "error": "no heartbeat"}
    age = (timezone.now() - latest.seen_at).total_seconds()
    fresh = age <= settings.WORKER_HEARTBEAT_MAX_AGE
    alive = WorkerHeartbeat.objects.filter(
        seen_at__gte=timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)
    ).count()
    return {"ok": fresh, "last_seen_seconds": round(age, 1), "alive": alive}


def health() -> dict:
    database = check_database()
    broker = check_broker()
    workers = check_workers() if database["ok"] else {"ok": False, "error": "database unavailable"}
    return {
        "status": "ok" if database["ok"] and broker["ok"] and workers["ok"] else "degraded",
        "database": database,
        "broker": broker,
        "worker": workers,
    }
