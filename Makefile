# thi đua — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000


.PHONY: help run install fonts assets migrate seed worker web test test-fast e2e lint check clean bench load

help:
	@echo "make run    cài đặt, tạo CSDL, nạp dữ liệu mẫu, chạy web + worker"
	@echo "make test   chạy toàn bộ kiểm thử (SQLite, hoặc PostgreSQL/Redis nếu đặt DATABASE_URL/CELERY_BROKER_URL)"
	@echo "make lint   kiểm tra mã nguồn bằng ruff"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit("Cần Python 3.11 trở lên") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# Installs from the lock file; re-runs only when the lock file changes.
$(VENV)/.installed: requirements-dev.lock | $(PY)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.lock 2>&1 | grep -v "is ignored: it is neither" || true
	$(PY) -c 'import django, celery, weasyprint' 
	touch $@

install: $(VENV)/.installed fonts

# The PDF reports are set in Liberation Serif (Times New Roman's metrics). Installed from Debian's
# packages when missing and this user may; otherwise a warning (the reports fall back to DejaVu Serif).
fonts:
	@if command -v fc-list >/dev/null && fc-list | grep -qi "Liberation Serif"; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "==> cài phông chữ Liberation Serif cho báo cáo PDF (fonts-liberation2)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-liberation2 >/dev/null 2>&1 \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-liberation2 >/dev/null) \
		|| echo "Cảnh báo: không cài được fonts-liberation2; báo cáo PDF sẽ dùng phông DejaVu Serif."; \
	else echo "Cảnh báo: thiếu phông Liberation Serif (gói fonts-liberation2); báo cáo PDF sẽ dùng phông DejaVu Serif."; fi

assets:
	@$(PYTHON) tools/vendor_assets.py

migrate: install assets
	$(PY) manage.py migrate --noinput -v0

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "==> Mở trình duyệt tại: http://$(HOST):$(PORT)/   (Ctrl-C để dừng web và worker)"
	@echo ""
	@HOST=$(HOST) PORT=$(PORT) bash tools/run.sh

test: install assets
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) -m pytest $(PYTEST_ARGS)

# Performance figures against DESIGN.md §8 on the scale dataset. Uses DATABASE_URL when set
# (PostgreSQL: point it at a database of its own), else var/bench.sqlite3 — never the demo
# database. The dataset is built once: seed_scale --if-absent skips when "Khối quy mô 0001"
# exists. SEED_SCALE_ARGS=--small for a quick run; BENCH_ARGS="--output docs/performance.md".
bench: install assets
	@export DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/var/bench.sqlite3}"; \
	$(PY) manage.py migrate --noinput -v0 && \
	$(PY) manage.py collectstatic --noinput -v0 && \
	$(PY) manage.py seed_scale --if-absent $(SEED_SCALE_ARGS) && \
	$(PY) -m tests.bench.run $(BENCH_ARGS)

# Load test (DESIGN.md §8): LOAD_USERS concurrent users for LOAD_DURATION against gunicorn and a
# Celery worker that it starts on 127.0.0.1:LOAD_PORT, on a database of its own made anew (thidua_load
# on the server of DATABASE_URL when set, else var/load/thidua_load.sqlite3) with the demo data.
# Results in var/load/; exits non-zero when a request failed. LOAD_ARGS="--doc docs/performance.md".
LOAD_USERS ?= 50
LOAD_DURATION ?= 3m
LOAD_SPAWN_RATE ?= 2
LOAD_PORT ?= 8765
load: install assets
	$(PY) -m tests.load.run --users $(LOAD_USERS) --duration $(LOAD_DURATION) \
		--spawn-rate $(LOAD_SPAWN_RATE) --port $(LOAD_PORT) $(LOAD_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/staticfiles static/vendor

# --- Hardening ------------------------------------------------------------------------------------
.PHONY: audit check-deploy

# Known vulnerabilities in the pinned production dependencies (pip-audit against PyPI's feed);
# fails on any not listed with a reason in tools/audit-ignore.txt. AUDIT_REQUIRE_FEED=1 also
# fails when the feed cannot be reached, so that "nothing checked" is never taken for "clean".
audit: install
	$(PY) tools/dependency_audit.py

# `check --deploy` under production settings (a throwaway key; DJANGO_* from the environment win).
check-deploy: install
	DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-thidua.example.mil.vn}" \
	$(PY) manage.py check --deploy --fail-level WARNING
