import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.core import outbox
from apps.core.errors import DomainError
from apps.core.models import OutboxEvent
from apps.core.tasks import dispatch_event, sweep_outbox
from tests.factories import CompanyFactory
from tests.testapp.models import HandledEvent


def age(event: OutboxEvent, *, seconds: float) -> None:
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.django_db(transaction=True)
def test_emit_refuses_to_run_outside_a_transaction(make_voucher, company):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.emit(kind="test.posted", source=make_voucher(), company_id=company.pk, payload={})

    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_an_emitted_event_is_dispatched_once_its_transaction_commits(emit_event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = emit_event(payload={"amount": "12.50"})
        assert not HandledEvent.objects.exists()  # nothing happens before the commit

    event.refresh_from_db()
    assert len(callbacks) == 1
    assert event.status == OutboxEvent.Status.DONE
    assert event.processed_at is not None
    assert event.key == f"testapp.voucher:{event.source_id}:test.posted"
    assert list(HandledEvent.objects.values_list("event_id", flat=True)) == [event.pk]


@pytest.mark.django_db
def test_a_rolled_back_transaction_leaves_no_event(make_voucher, company, django_capture_on_commit_callbacks):
    voucher = make_voucher()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        outbox.emit(kind="test.posted", source=voucher, company_id=company.pk, payload={})
        _ = 1 / 0

    assert callbacks == []
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_dispatching_twice_handles_once(emit_event):
    event = emit_event()

    first, second = outbox.dispatch(event.pk), outbox.dispatch(event.pk)

    assert (first.handled, second.handled) == (True, False)
    assert HandledEvent.objects.filter(event=event).count() == 1


@pytest.mark.django_db
def test_the_task_run_twice_handles_once(emit_event):
    event = emit_event()

    dispatch_event.delay(event.pk)
    dispatch_event.delay(event.pk)

    assert HandledEvent.objects.filter(event=event).count() == 1


@pytest.mark.django_db
def test_a_source_emits_a_kind_once_unless_told_otherwise(emit_event, make_voucher, company):
    voucher = make_voucher()
    emit_event(source=voucher)

    with pytest.raises(IntegrityError), transaction.atomic():
        outbox.emit(kind="test.posted", source=voucher, company_id=company.pk, payload={})
    with transaction.atomic():
        second = outbox.emit(kind="test.posted", source=voucher, company_id=company.pk, payload={}, key_suffix="2")

    assert second.key.endswith(":test.posted:2")


@pytest.mark.django_db
def test_a_failure_counts_the_attempt_and_schedules_a_retry(emit_event):
    event = emit_event(payload={"fail": True})

    result = outbox.dispatch(event.pk)

    event.refresh_from_db()
    assert (result.handled, result.failed, result.retry_in) == (False, True, 2.0)
    assert event.status == OutboxEvent.Status.PENDING
    assert event.attempts == 1
    assert "subscriber asked to fail" in event.last_error
    assert timedelta(seconds=1) < event.next_attempt_at - timezone.now() <= timedelta(seconds=2)
    assert not HandledEvent.objects.exists()


@pytest.mark.django_db
def test_retries_back_off_up_to_ten_minutes():
    assert [outbox.retry_delay(attempts) for attempts in (1, 2, 3, 9, 10, 30)] == [2, 4, 8, 512, 600, 600]


@pytest.mark.django_db
def test_an_event_that_keeps_failing_lands_in_the_failed_queue(emit_event, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    event = emit_event(payload={"fail": True})

    results = [outbox.dispatch(event.pk) for _ in range(3)]

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.FAILED
    assert event.attempts == 3
    assert event.next_attempt_at is None
    assert results[-1].retry_in is None
    assert outbox.dispatch(event.pk).handled is False  # a failed event waits for a person


@pytest.mark.django_db
def test_retrying_a_failed_event_puts_it_back_and_dispatches_it(
    emit_event, settings, clerk, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    event = emit_event(payload={"fail": True})
    outbox.dispatch(event.pk)
    OutboxEvent.objects.filter(pk=event.pk).update(payload={})  # the cause was fixed

    with django_capture_on_commit_callbacks(execute=True):
        outbox.retry_failed(event=event, actor=clerk)

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DONE
    assert event.attempts == 0
    assert HandledEvent.objects.filter(event=event).count() == 1


@pytest.mark.django_db
def test_only_a_failed_event_can_be_retried(emit_event, clerk):
    event = emit_event()

    with pytest.raises(DomainError) as refused:
        outbox.retry_failed(event=event, actor=clerk)

    assert (refused.value.code, refused.value.status_code) == ("not_failed", 409)


@pytest.mark.django_db
def test_the_sweep_re_enqueues_pending_events_left_behind(emit_event, make_voucher):
    lost = emit_event()
    age(lost, seconds=3600)
    just_emitted = emit_event(source=make_voucher())
    waiting_for_retry = emit_event(source=make_voucher(), payload={"fail": True})
    outbox.dispatch(waiting_for_retry.pk)
    age(waiting_for_retry, seconds=3600)

    swept = sweep_outbox.delay().get()

    assert swept == 1
    assert list(HandledEvent.objects.values_list("event_id", flat=True)) == [lost.pk]
    just_emitted.refresh_from_db()
    assert just_emitted.status == OutboxEvent.Status.PENDING


@pytest.mark.django_db
def test_a_swept_event_is_not_queued_again_by_the_next_sweep(emit_event, monkeypatch):
    lost = emit_event()
    age(lost, seconds=3600)
    enqueued = []
    monkeypatch.setattr(outbox, "enqueue", enqueued.append)

    assert (outbox.sweep(), outbox.sweep()) == (1, 0)
    assert enqueued == [lost.pk]
    lost.refresh_from_db()
    assert lost.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_pending_events_are_counted_per_company(emit_event, make_voucher):
    other = CompanyFactory(code="OTHER")
    event = emit_event()
    emit_event(source=make_voucher(company=other))
    outbox.dispatch(event.pk)

    assert outbox.pending_count() == 1
    assert outbox.pending_count(company_id=event.company_id) == 0
    assert outbox.pending_count(company_id=other.pk) == 1


def test_subscribers_are_matched_by_kind_pattern():
    assert "tests.handled" in [sub.name for sub in outbox.subscribers_for("test.posted")]
    assert "tests.handled" not in [sub.name for sub in outbox.subscribers_for("other.posted")]
    assert "finance.journal.inventory.*" in [sub.name for sub in outbox.subscribers_for("inventory.count.confirmed")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_dispatches_handle_once(emit_event, broker_down):
    event = emit_event(payload={"sleep": 0.5})
    start = threading.Barrier(2)
    results = []

    def dispatch() -> None:
        try:
            start.wait(timeout=10)
            results.append(outbox.dispatch(event.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(result.handled for result in results) == [False, True]
    assert HandledEvent.objects.filter(event=event).count() == 1
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DONE
