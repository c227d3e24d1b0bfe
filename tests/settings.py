"""Test settings: the project's settings with test-friendly overrides.

Celery runs eagerly here; the `celery_worker_process` fixture starts a real worker (with
ERP_TEST_WORKER=1, so it consumes from the broker) and switches the test process to the broker
for the tests that need one.
"""

import os

from erp.settings import *  # noqa: F403
from erp.settings import CELERY_BROKER_URL, INSTALLED_APPS, STATIC_ROOT

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
# The project's routes plus a small API over the test app's Voucher, to test the API base.
ROOT_URLCONF = "tests.testapp.urls"

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# WhiteNoise serves through the finders here; an empty collectstatic target keeps it from warning.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# The broker a worker test talks to; everything else runs tasks in-process.
WORKER_BROKER_URL = CELERY_BROKER_URL if CELERY_BROKER_URL != "memory://" else ""
IS_TEST_WORKER = os.environ.get("ERP_TEST_WORKER") == "1"
CELERY_TASK_ALWAYS_EAGER = not IS_TEST_WORKER
OUTBOX_SWEEP_AFTER_SECONDS = int(os.environ.get("OUTBOX_SWEEP_AFTER_SECONDS", "1"))
