"""Celery application.

Without CELERY_BROKER_URL the embedded default uses Kombu's filesystem transport under
var/broker/, so that `make run` needs no server; production and CI set a Redis URL.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thidua.settings")

app = Celery("thidua")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
