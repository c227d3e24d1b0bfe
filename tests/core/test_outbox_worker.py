"""Exactly-once handling on a real Celery worker process, on PostgreSQL and Redis."""

import pytest
from django.db import connection

from apps.core import outbox
from apps.core.models import OutboxEvent
from tests.testapp.models import HandledEvent
from tests.testapp.worker import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def times_handled(event: OutboxEvent) -> int:
    return HandledEvent.objects.filter(event=event).count()


def status_of(event: OutboxEvent) -> str:
    return OutboxEvent.objects.values_list("status", flat=True).get(pk=event.pk)


def wait_until_done(event: OutboxEvent, worker, *, timeout: float = 30) -> None:
    try:
        wait_until(lambda: status_of(event) == OutboxEvent.Status.DONE, timeout=timeout, message=f"{event} done")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{worker.log()}") from None


def open_transactions_elsewhere() -> int:
    """Connections to the test database inside a transaction: a worker's task holding its event."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_committed_event_is_handled_once_by_the_worker(celery_worker_process, emit_event):
    event = emit_event(payload={"amount": "12.50"})

    wait_until_done(event, celery_worker_process)

    assert times_handled(event) == 1


def test_an_event_enqueued_twice_is_handled_once(celery_worker_process, emit_event, make_voucher):
    event = emit_event()  # enqueued once on commit
    outbox.enqueue(event.pk)
    outbox.enqueue(event.pk)
    # One worker process takes tasks in order: once this later event is done, so are the duplicates.
    later = emit_event(source=make_voucher())

    wait_until_done(later, celery_worker_process)

    assert status_of(event) == OutboxEvent.Status.DONE
    assert times_handled(event) == 1


def test_a_worker_killed_mid_task_leaves_the_event_to_the_sweep(celery_worker_process, emit_event):
    event = emit_event(payload={"sleep": 5})
    wait_until(open_transactions_elsewhere, timeout=30, message="the worker to start handling the event")

    celery_worker_process.kill()

    wait_until(lambda: open_transactions_elsewhere() == 0, timeout=30, message="the killed task to roll back")
    assert status_of(event) == OutboxEvent.Status.PENDING
    assert times_handled(event) == 0

    celery_worker_process.start()
    assert outbox.sweep() == 1

    wait_until_done(event, celery_worker_process)
    assert times_handled(event) == 1
