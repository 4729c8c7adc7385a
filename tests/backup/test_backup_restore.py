"""Backup and restore as docs/operations.md tells operators to do them, on the demo data:
seed, back up, restore into a fresh database, and find every pledge signature, score and
evidence file intact, the pledge verification still saying "nguyên vẹn".

Each step runs in its own process against its own database (as the commands of the guide do),
so these tests use neither the test database nor its transaction:
- SQLite (the embedded default): SQLite's online backup API, and a copy of the media folder;
- PostgreSQL: pg_dump -Fc and pg_restore into a scratch database created and dropped here; the
  restored database must also have the triggers that freeze signed pledges."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

ATTACH_EVIDENCE = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thidua.settings")
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from scoring.models import Score
score = Score.objects.filter(scorecard__kind="self").order_by("pk").first()
name = default_storage.save(f"evidence/{score.scorecard.round_id}/bien-ban.pdf", ContentFile(PDF_BYTES))
Score.objects.filter(pk=score.pk).update(evidence=name)
""".replace("PDF_BYTES", repr(PDF))


def run(args: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


def app_env(database_url: str, media_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(DATABASE_URL=database_url, MEDIA_ROOT=str(media_root), DJANGO_DEBUG="true")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env)


def seeded(env: dict[str, str]) -> dict:
    """Migrate, load the demo data, attach an evidence file; the fingerprint of the result."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--quiet-logins")
    run([sys.executable, "-c", ATTACH_EVIDENCE], env)
    return fingerprint(env)


def fingerprint(env: dict[str, str]) -> dict:
    return json.loads(run([sys.executable, "-m", "tests.backup.fingerprint"], env).stdout)


def assert_restored_intact(original: dict, restored_env: dict[str, str]) -> None:
    assert original["counts"]["signatures"] > 0 and original["counts"]["scores"] > 0
    assert original["evidence"] and "missing" not in original["evidence"].values()
    assert set(original["verification"].values()) == {"nguyên vẹn"}
    assert fingerprint(restored_env) == original
    report = manage(restored_env, "verify_pledges").stdout
    assert f"Đã kiểm tra {len(original['verification'])} giao ước: tất cả nguyên vẹn." in report


def test_sqlite_online_backup_and_media_copy_restore_everything(tmp_path):
    live, backup, restored = tmp_path / "live", tmp_path / "backup", tmp_path / "restored"
    for folder in (live, backup, restored):
        folder.mkdir()
    original = seeded(app_env(f"sqlite:///{live / 'thidua.sqlite3'}", live / "media"))

    # Back up while the database is in use (WAL mode): the online backup API, then the media.
    source = sqlite3.connect(live / "thidua.sqlite3")
    target = sqlite3.connect(backup / "thidua.sqlite3")
    with target:
        source.backup(target)
    source.close()
    target.close()
    shutil.copytree(live / "media", backup / "media")

    # Restore onto a machine that has nothing: put the files in place.
    shutil.copy2(backup / "thidua.sqlite3", restored / "thidua.sqlite3")
    shutil.copytree(backup / "media", restored / "media")
    assert_restored_intact(original, app_env(f"sqlite:///{restored / 'thidua.sqlite3'}", restored / "media"))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and its client tools")
@pytest.mark.skipif(not shutil.which("pg_dump") or not shutil.which("pg_restore"), reason="no pg_dump")
def test_postgresql_dump_and_restore_into_a_fresh_database_keep_everything(tmp_path):
    server = connection.settings_dict
    host, port, user = (
        server["HOST"] or "127.0.0.1",
        str(server["PORT"] or 5432),
        server["USER"] or "postgres",
    )
    password = server.get("PASSWORD") or ""
    base = connection.settings_dict["NAME"]  # the test database's name: unique to this checkout
    source_db, restored_db = f"{base}_backup_source", f"{base}_backup_restored"
    pg_env = {**os.environ, "PGHOST": host, "PGPORT": port, "PGUSER": user, "PGPASSWORD": password}
    credentials = f"{user}:{password}@" if password else f"{user}@"

    def url(name: str) -> str:
        return f"postgres://{credentials}{host}:{port}/{name}"

    def psql(database: str, sql: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", database, "-tAc", sql],
            env=pg_env,
            capture_output=True,
            text=True,
        )
        assert not check or result.returncode == 0, result.stderr
        return result

    for name in (source_db, restored_db):
        psql("postgres", f'DROP DATABASE IF EXISTS "{name}"')
    psql("postgres", f'CREATE DATABASE "{source_db}"')
    try:
        original = seeded(app_env(url(source_db), tmp_path / "media"))
        dump = tmp_path / "thidua.dump"
        run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), "-d", source_db], pg_env)

        psql("postgres", f'CREATE DATABASE "{restored_db}"')
        run(["pg_restore", "--no-owner", "--exit-on-error", "-d", restored_db, str(dump)], pg_env)
        assert_restored_intact(original, app_env(url(restored_db), tmp_path / "media"))

        # The restored database still refuses to rewrite a signature behind the application.
        tamper = psql(
            restored_db,
            "UPDATE campaigns_pledgesignature SET signer_name = 'X' "
            "WHERE id = (SELECT min(id) FROM campaigns_pledgesignature)",
            check=False,
        )
        assert tamper.returncode != 0 and "Chữ ký giao ước không thể sửa" in tamper.stderr
    finally:
        for name in (source_db, restored_db):
            psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)
