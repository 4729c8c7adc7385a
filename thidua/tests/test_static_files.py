"""The production build collects the static files under hashed names (whitenoise's
CompressedManifestStaticFilesStorage: the Dockerfile and `make load` run collectstatic with
DEBUG off). Every file that a stylesheet or a script refers to, source maps included, must be
there, or the build stops. Django's manifest storage does that check (whitenoise's adds only
the compression, which would make this test slow)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def test_static_files_collect_under_hashed_names_as_in_production(tmp_path):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)

    paths = json.loads((tmp_path / "staticfiles.json").read_text(encoding="utf-8"))["paths"]
    for name in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/chart.js/chart.umd.min.js",
        "vendor/htmx/htmx.min.js",
        "css/thidua.css",
    ):
        assert paths[name] != name, name  # served under a name with its content hash
