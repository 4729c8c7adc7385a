#!/usr/bin/env bash
# Starts the Celery worker (with its scheduler, -B: the periodic recovery of report jobs) and the
# web server together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" -m celery -A thidua worker -B -Q default,pdf --concurrency 1 --without-mingle --without-gossip \
    --loglevel INFO --hostname "worker@%h" &
WORKER=$!
cleanup() {
    trap - INT TERM EXIT
    kill "$WORKER" 2>/dev/null || true
    wait "$WORKER" 2>/dev/null || true
}
trap cleanup INT TERM EXIT
"$PY" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
