"""Test settings: the project's settings with test-friendly overrides.

Celery always runs eagerly here; the `worker` fixture switches to the real broker for the tests
that need a worker process.
"""

import os

from erp.settings import *  # noqa: F403
from erp.settings import CELERY_BROKER_URL, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The broker a worker test talks to; everything else runs tasks in-process.
WORKER_BROKER_URL = CELERY_BROKER_URL if CELERY_BROKER_URL != "memory://" else ""
CELERY_TASK_ALWAYS_EAGER = True
OUTBOX_SWEEP_AFTER_SECONDS = int(os.environ.get("OUTBOX_SWEEP_AFTER_SECONDS", "1"))
