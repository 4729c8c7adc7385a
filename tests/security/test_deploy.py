"""`manage.py check --deploy` under the production settings, run as CI and operators run it:
in a fresh process with the production environment variables."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="thidua.example.mil.vn",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://thidua.example.mil.vn",
        DJANGO_SETTINGS_MODULE="thidua.settings",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_passes_under_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_on_the_example_secret_key_and_without_tls_redirect():
    """The check run by CI can fail: the placeholder key of .env.example is refused, and so is
    turning the HTTPS redirect off."""
    weak = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(DJANGO_SECRET_KEY="change-me-to-a-long-random-string"),
    )
    assert weak.returncode != 0 and "security.W009" in weak.stderr
    plain = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(DJANGO_SECURE_SSL_REDIRECT="false"),
    )
    assert plain.returncode != 0 and "security.W008" in plain.stderr


def test_production_needs_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="thidua.example.mil.vn")
page = client.get("/dang-nhap/")
probe = client.get("/healthz/")
print(page.status_code, page.get("Location", ""))
print(probe.status_code, probe.get("Location", ""))
print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)
"""


def test_production_redirects_to_https_except_the_health_probe(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    page, probe, flags = result.stdout.strip().splitlines()
    assert page == "301 https://thidua.example.mil.vn/dang-nhap/"
    status, location = (probe.split() + [""])[:2]
    assert status in {"200", "503"} and location == ""  # answered over plain HTTP, not redirected
    assert flags == "True True 31536000"
