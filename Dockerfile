# Production image: the same lock file, assets and commands as `make` and CI.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango; the reports use Liberation Serif (Times-metric), DejaVu as fallback.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-liberation2 fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
# Front-end packages are fetched and checked at build time, never at run time.
RUN python tools/vendor_assets.py \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v0

RUN useradd --system --home /app thidua && mkdir -p /app/var /app/media && chown -R thidua /app/var /app/media
USER thidua
EXPOSE 8000
CMD ["gunicorn", "thidua.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
