"""Settings shared by every environment.

Every value that differs between machines is read here from the environment (django-environ), so
the embedded default (SQLite, in-process background work) runs with no environment at all and
PostgreSQL, Redis and Celery workers are switched on by DATABASE_URL and REDIS_URL.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------------
SECRET_KEY = env(
    "SECRET_KEY", default="insecure-local-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
SERVICE_NAME = "Justice social work scrutiny"

INSTALLED_APPS = [
    "core.apps.ProjectAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "core.apps.StaticFilesConfig",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rules.apps.AutodiscoverRulesConfig",
    "core",
    "accounts",
    "qi_framework",
    "inspections",
    "partnerships",
    "throughcare",
    "reports",
    "improvement",
    "retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "core.context_processors.service",
            ],
            "builtins": ["core.templatetags.narrative"],
        },
    }
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Cache, Redis and background work ---------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # A cache outage must never break a page: failures read as cache misses.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Without a broker, background work runs in-process (a demo convenience; production runs workers).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "Europe/London"
# Every worker is started with `-Q celery,documents` (Makefile, compose, tests/worker.py).
CELERY_TASK_ROUTES = {"reports.tasks.document_render": {"queue": "documents"}}
CELERY_BEAT_SCHEDULE = {
    "documents-reap": {"task": "reports.tasks.documents_reap", "schedule": 60.0},
    # Overdue improvement-plan actions: one reminder a week at most per action (improvement/).
    "improvement-overdue-reminders": {
        "task": "improvement.tasks.overdue_reminders_send",
        "schedule": crontab(hour=8, minute=0),
    },
    # Retention of record-level data: a dry-run report, then deletion of what is due (retention/).
    "retention-run": {
        "task": "retention.tasks.retention_run",
        "schedule": crontab(hour=2, minute=30),
    },
}

# --- Documents (reports) ----------------------------------------------------------------------
DOCUMENT_AUTHOR = env("DOCUMENT_AUTHOR", default="Care Inspectorate")
# A document left queued or rendering longer than this is queued again by the reaper (beat).
# Keep it above the render task's time limit (300 s).
DOCUMENT_RENDER_TIMEOUT_SECONDS = env.int("DOCUMENT_RENDER_TIMEOUT_SECONDS", default=600)
DOCUMENT_RENDER_MAX_ATTEMPTS = 3
# Asking for a document waits at most about this long for a broker that is down or hung; the
# message is then left to the reaper (reports.services._send).
DOCUMENT_PUBLISH_TIMEOUT_SECONDS = env.float("DOCUMENT_PUBLISH_TIMEOUT_SECONDS", default=1.0)

# --- Statistics (reports) ---------------------------------------------------------------------
# Below this many cases a proportion is given as a count ("7 of 9"), never as a percentage.
STATISTICS_MIN_DENOMINATOR = env.int("STATISTICS_MIN_DENOMINATOR", default=20)

# --- Retention of record-level data (retention) -----------------------------------------------
# Days after publication that readings, interview answers and population rows are kept (our
# choice of two years, not a verified policy: confirm with the inspectorate's records manager).
RECORD_RETENTION_DAYS = env.int("RECORD_RETENTION_DAYS", default=730)
# An activity is deleted only once a dry-run report listing it is at least this many days old.
RETENTION_NOTICE_DAYS = env.int("RETENTION_NOTICE_DAYS", default=7)

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:sign_in"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed sign-ins are throttled per account and address together, so nobody elsewhere can lock an
# inspector out, and a whole office behind one address is not blocked by one person's mistakes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Two-factor authentication (django-otp): required for Care Inspectorate and HMICS staff and
# administrators (accounts.two_factor.two_factor_required), offered to everyone else. Wrong codes
# are throttled by django-otp: each failure doubles the wait (1, 2, 4... seconds x the factor).
OTP_TOTP_ISSUER = SERVICE_NAME
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = env.int("OTP_THROTTLE_FACTOR", default=1)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Public response pages (/r/<token>/, qi_framework.views_public): requests per address per window.
# Generous enough for a whole office behind one address filling in its links.
RESPONSE_RATE_LIMIT_WINDOW = env.int("RESPONSE_RATE_LIMIT_WINDOW", default=600)  # seconds
RESPONSE_RATE_LIMIT_GETS = env.int("RESPONSE_RATE_LIMIT_GETS", default=120)
RESPONSE_RATE_LIMIT_POSTS = env.int("RESPONSE_RATE_LIMIT_POSTS", default=30)

# --- Sessions: in the database, ended after inactivity ----------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, g:i a"
SHORT_DATE_FORMAT = "j M Y"

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are private: never served from a public URL, only through permission-checked views.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# No URL pattern or web server serves this prefix; it exists because Django expects a string.
MEDIA_URL = "/private-files-are-never-served-from-a-url/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# Every upload goes through core.uploads: the first handler stops a request's body as soon as a
# file passes FILE_UPLOAD_MAX_BYTES (views tighten it to their policy's limit with
# core.uploads.upload_limit), so an oversized body is never read to the end.
FILE_UPLOAD_MAX_BYTES = env.int("FILE_UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
FILE_UPLOAD_MAX_REQUEST_BYTES = env.int("FILE_UPLOAD_MAX_REQUEST_BYTES", default=200 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "core.uploads.handlers.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The virus-scan step (core.uploads.scanning). Until a scanner is set, the content checks decide;
# for ClamAV set FILE_SCANNER=core.uploads.scanning.ClamdScanner and CLAMD_ADDRESS.
FILE_SCANNER = env("FILE_SCANNER", default="core.uploads.scanning.ContentChecksScanner")
CLAMD_ADDRESS = env("CLAMD_ADDRESS", default="unix:///run/clamav/clamd.ctl")
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=60)
# `manage.py backup` writes one folder per backup here (core/backup/, ADR 0012). Backups hold
# everything the database holds: keep this folder private and copy it, encrypted, elsewhere.
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(BASE_DIR / "backups")))

# --- Forms ------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# --- Email ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@justice-scrutiny.invalid")

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every layout step of every page at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
