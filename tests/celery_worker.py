"""A real Celery worker for the tests that need one (the report pipeline, the browser journey
that downloads a PDF): a separate process on the machine's broker, reading the test database.

It runs only where the worker can reach the test database: PostgreSQL (an in-memory SQLite test
database lives inside the test process) with a Redis broker, as CI runs. Elsewhere those tests
are skipped, unless WORKER_REQUIRED is set (CI sets it), which makes a skip a failure.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def worker_unavailable() -> str:
    """Why a worker cannot serve this test run, or "" when it can."""
    if connection.vendor != "postgresql":
        return "a worker process needs the PostgreSQL test database (set DATABASE_URL)"
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return "a worker process needs the Redis broker (set CELERY_BROKER_URL)"
    return ""


def require_worker() -> None:
    reason = worker_unavailable()
    if reason:
        if os.environ.get("WORKER_REQUIRED"):
            pytest.fail(f"WORKER_REQUIRED is set but {reason}")
        pytest.skip(reason)


def _database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def purge_queues() -> None:
    from thidua.celery import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in ("pdf", "default"):
            with contextlib.suppress(Exception):  # a queue never declared has nothing to purge
                channel.queue_purge(queue)


def _wait_ready(hostname: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    from thidua.models import WorkerHeartbeat

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if WorkerHeartbeat.objects.filter(hostname=hostname).exists():
            return
        time.sleep(0.2)
    raise RuntimeError(f"the worker did not start within {timeout} s:\n{log.read_text()[-3000:]}")


@contextmanager
def running_worker(tmp_path: Path, **env: str):
    """Starts `celery worker` on the default and pdf queues, one process at a time, against the
    test database; waits until it is ready (its heartbeat row); stops it on exit. Yields the
    process: kill its group to simulate a crash."""
    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    log = tmp_path / f"{hostname}.log"
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SETTINGS_MODULE": "thidua.settings",
        **env,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "thidua",
                "worker",
                "-Q",
                "default,pdf",
                "--concurrency",
                "1",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
                "--hostname",
                hostname,
            ],
            cwd=BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(hostname, process, log)
        process.log = log
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
