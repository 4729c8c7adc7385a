"""Runtime state of the composition root: the Celery workers' heartbeats."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """Last sign of life of each Celery worker, read by /healthz/ and the admin home page.

    Kept in the database, not in a file, so that a web container sees workers running in
    other containers."""

    hostname = models.CharField("máy chạy worker", max_length=200, unique=True)
    seen_at = models.DateTimeField("lần cuối hoạt động")

    class Meta:
        verbose_name = "nhịp hoạt động worker"
        verbose_name_plural = "nhịp hoạt động worker"

    def __str__(self) -> str:
        return f"{self.hostname} – {self.seen_at:%H:%M:%S %d/%m/%Y}"
