"""Test settings: the real settings with fast password hashing and in-memory email delivery.

The database and Redis still come from DATABASE_URL and REDIS_URL, so the same suite runs on
SQLite and on PostgreSQL with Redis. Celery runs eagerly unless a test starts real workers.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-that-is-long-enough-for-the-checks-0123456789")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="calm-tests-"))

from workshop.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
ALLOWED_HOSTS = ["*"]
STATIC_ROOT = VAR_DIR / "static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
