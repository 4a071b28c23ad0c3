"""Settings for the test suite: the same code, faster hashing, email kept in memory."""

from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
AXES_FAILURE_LIMIT = 5
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Serve static files from the finders (as `make run` does), so the live server used by the
# browser tests serves the real stylesheet and scripts without running collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
