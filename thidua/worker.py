"""Worker heartbeat: every worker process writes its last sign of life every 30 seconds."""

from __future__ import annotations

import logging
import threading

from celery.signals import worker_ready, worker_shutdown
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 30
_stop = threading.Event()


def beat(hostname: str) -> None:
    from thidua.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(hostname=hostname[:200], defaults={"seen_at": timezone.now()})


def _loop(hostname: str) -> None:
    while not _stop.is_set():
        try:
            close_old_connections()
            beat(hostname)
        except Exception:  # a failed beat is what the health check reports; keep trying
            logger.exception("worker heartbeat failed")
        _stop.wait(HEARTBEAT_SECONDS)


@worker_ready.connect
def _start_heartbeat(sender=None, **kwargs) -> None:
    hostname = getattr(sender, "hostname", None) or "worker"
    threading.Thread(target=_loop, args=(hostname,), name="heartbeat", daemon=True).start()


@worker_shutdown.connect
def _stop_heartbeat(**kwargs) -> None:
    _stop.set()
