"""Celery settings that only matter on a real worker, checked where they take effect."""

from celery.fixups.django import DjangoWorkerFixup
from django.conf import settings

from erp.celery import app


def test_db_reuse_max_reaches_the_django_fixup():
    assert settings.CELERY_DB_REUSE_MAX > 0
    assert app.conf.get("CELERY_DB_REUSE_MAX") == settings.CELERY_DB_REUSE_MAX
    assert DjangoWorkerFixup(app).db_reuse_max == settings.CELERY_DB_REUSE_MAX


def test_the_redis_transport_loads():
    """kombu's Redis transport imports `packaging`, which nothing else pulls in: it is pinned."""
    from kombu.transport.redis import Transport

    assert Transport.driver_name == "redis"


def test_tasks_are_acknowledged_late_and_the_sweep_is_scheduled():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.beat_schedule["outbox-sweep"]["task"] == "apps.core.tasks.sweep_outbox"
    assert app.conf.beat_schedule["token-purge"]["task"] == "apps.core.tasks.purge_expired_tokens"
    assert "apps.core.tasks.dispatch_event" in app.tasks
