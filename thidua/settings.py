"""Settings for thi đua, driven by environment variables (django-environ).

One module for every environment. Without any variable set it runs the embedded default:
SQLite in var/, Celery on Kombu's filesystem transport, DEBUG on. Production sets
DJANGO_DEBUG=false, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and CELERY_BROKER_URL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="embedded-default-key-change-me-in-production-0123456789abcdef" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
# Local health probes (docker compose healthcheck, monitoring on the host) use 127.0.0.1.
ALLOWED_HOSTS += [host for host in ("127.0.0.1", "localhost") if host not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "thidua",
    "blocs",
    "campaigns",
    "scoring",
    "awards",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "thidua.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "thidua.middleware.HtmxSessionExpiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "thidua.urls"
WSGI_APPLICATION = "thidua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "thidua.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'thidua.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web server read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "blocs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "thidua.lib.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=int(timedelta(hours=8).total_seconds()))
# Idle sessions expire SESSION_COOKIE_AGE after the user's last request, to within
# SESSION_REFRESH_SECONDS: thidua.middleware.IdleSessionMiddleware saves an active session at
# most that often instead of on every request (SESSION_SAVE_EVERY_REQUEST).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# django-axes: lock a (username, IP) pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_VERBOSE = False

# --- Language, time, formats ------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["thidua.formats"]
USE_THOUSAND_SEPARATOR = False

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UNIT_IMPORT_MAX_BYTES = env.int("UNIT_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)

# Pages of a bloc offered on its page, by the apps above `blocs`: (label, icon, URL name).
BLOC_PAGE_LINKS = [
    ("Phong trào thi đua", "flag", "campaigns:campaign-list"),
]

# Pages of an object offered on the object's page by the apps above it (blocs' page_links tag):
# page → (label, icon, URL name taking the object's id, permission on the bloc or None).
PAGE_LINKS = {
    "review": [("Báo cáo PDF", "file-earmark-pdf", "reports:review", "reports.view_reports")],
    "pledge": [("Tài liệu PDF", "file-earmark-pdf", "reports:pledge", "reports.view_reports")],
    "round": [("Bảng điểm PDF", "file-earmark-pdf", "reports:round", "reports.view_reports")],
}
# Report jobs on the home pages (thidua/home/jobs.py): dotted paths of the functions the reports
# app provides; empty leaves the panels out.
HOME_RECENT_REPORT_JOBS = "thidua.home.jobs.reports_recent"
HOME_FAILED_REPORT_JOBS = "thidua.home.jobs.reports_failed"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -----------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
BROKER_VISIBILITY_TIMEOUT = 3600
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("queue", "control", "processed"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    # A message not acknowledged within this time is delivered again (Redis): every task's hard
    # time limit stays below it, so a running task is never handed to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ROUTES = {"reports.render": {"queue": "pdf"}}
# WeasyPrint keeps caches per process: a fresh child process now and then bounds its memory.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=50)
CELERY_BEAT_SCHEDULE = {
    # No report job stays "running" after its worker died (reports.services.jobs).
    "recover-report-jobs": {"task": "reports.recover", "schedule": 30.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Reports ----------------------------------------------------------------------------------
# A running job whose worker has not written its heartbeat for REPORT_JOB_STALE_SECONDS is taken
# for dead: it is queued again, or failed after REPORT_JOB_MAX_ATTEMPTS runs. A queued job not
# picked up within REPORT_JOB_RESEND_SECONDS is sent to the broker again.
REPORT_JOB_HEARTBEAT_SECONDS = env.int("REPORT_JOB_HEARTBEAT_SECONDS", default=10)
REPORT_JOB_STALE_SECONDS = env.int("REPORT_JOB_STALE_SECONDS", default=60)
REPORT_JOB_MAX_ATTEMPTS = env.int("REPORT_JOB_MAX_ATTEMPTS", default=3)
REPORT_JOB_RESEND_SECONDS = env.int("REPORT_JOB_RESEND_SECONDS", default=60)
# Folders searched before the project's own for the document templates (reports/pdf/*.html):
# an installation's own letterhead or signature block.
REPORT_TEMPLATE_DIRS = env.list("REPORT_TEMPLATE_DIRS", default=[])
# The worker writes a heartbeat here; /healthz/ reads its age.
WORKER_HEARTBEAT_FILE = env.path("WORKER_HEARTBEAT_FILE", default=VAR_DIR / "worker-heartbeat")
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=120)

# --- Security ---------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "thidua.views.csrf_failure"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Probes inside the container speak plain HTTP to gunicorn.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
    # Cookies go back over HTTPS only. DJANGO_SECURE_COOKIES=false is for plain HTTP on the
    # loopback alone (the load test of `make load`), never for a site reached over a network.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)

SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

# --- Content Security Policy (django-csp 4) ---------------------------------------------------
# Scripts only from the app's own static files: no inline script, no eval, no plugin. Styles
# likewise from static files, except `style` attributes: the timeline and the progress bars
# place their bars with server-computed `left:…%;width:…%` (see thidua/overview.py), which no
# static stylesheet can express. A style attribute cannot run script, and the url() it could
# hold is still bound by img-src, so allowing attributes (never <style> elements) is narrow.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Faults -------------------------------------------------------------------------------------
# The database unreachable: a static Vietnamese 503 page instead of a 500, and the next request
# tries again (no restart). Placed after WhiteNoise so that the page's stylesheet still loads.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "thidua.middleware.DatabaseUnavailableMiddleware",
)
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A database host that stops answering (network cut, frozen VM) must not hold each request
    # until the web server's own timeout: give up connecting after a few seconds and show the
    # 503 page. A kept connection (DATABASE_CONN_MAX_AGE > 0) is checked before it is reused.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# --- Deployment check -----------------------------------------------------------------------------
# HSTS preloading is a list that public browsers keep for public domains; the host names of a
# closed military network can never be on it, so `check --deploy` is not asked to insist on it
# (security.W021) unless an operator opts in with DJANGO_HSTS_PRELOAD=true.
if not DEBUG and not SECURE_HSTS_PRELOAD and "security.W021" not in SILENCED_SYSTEM_CHECKS:
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- Sessions -------------------------------------------------------------------------------------
# A locked account's sessions end on their next request, whatever path locked it.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "thidua.middleware.EndDisabledSessionsMiddleware",
)
