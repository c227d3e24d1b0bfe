"""Finance posts each inventory event exactly once, on a real worker and under real concurrency.

The slow step is made by holding the company's journal-entry number row (a `SELECT … FOR UPDATE`
on its DocumentSequence from another connection): the finance subscriber then waits inside its
dispatch transaction, after it has locked the event, until the row is released. That makes "a
task in the middle of posting" a state the test can wait for, on the real subscriber, without
code that exists only for tests in the worker.
"""

import threading
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from apps.core import outbox
from apps.core.models import OutboxEvent
from apps.core.numbering import configure_sequence
from apps.finance.models import JournalEntry
from apps.inventory import services as stock
from apps.inventory.models import StockAdjustment
from tests.testapp.worker import database_url, wait_until

JOURNAL_SEQUENCE = "journal_entry"


@pytest.fixture
def adjust(books, admin_user, warehouse, location, item):
    """adjust(quantity) -> a posted stock adjustment of `item` (its event is enqueued on commit)."""

    def post(quantity: str = "4") -> StockAdjustment:
        draft = stock.create_adjustment(
            actor=admin_user,
            company=books,
            warehouse=warehouse,
            reason="found",
            document_date=date.today(),
            lines=[{"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal("2.5")}],
        )
        return stock.post_adjustment(actor=admin_user, adjustment=draft)

    return post


def event_of(adjustment: StockAdjustment) -> OutboxEvent:
    return OutboxEvent.objects.get(
        source_type=ContentType.objects.get_for_model(StockAdjustment), source_id=adjustment.pk
    )


def entries_for(adjustment: StockAdjustment) -> list[JournalEntry]:
    return list(
        JournalEntry.objects.filter(
            source_type=ContentType.objects.get_for_model(StockAdjustment), source_id=adjustment.pk
        )
    )


def status_of(event: OutboxEvent) -> str:
    return OutboxEvent.objects.values_list("status", flat=True).get(pk=event.pk)


def wait_until_done(event: OutboxEvent, worker, *, timeout: float = 30) -> None:
    try:
        wait_until(lambda: status_of(event) == OutboxEvent.Status.DONE, timeout=timeout, message=f"{event} done")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{worker.log()}") from None


class JournalNumbersHeld:
    """Holds the company's journal-entry number row from another connection until released."""

    def __init__(self, company) -> None:
        configure_sequence(
            company_id=company.pk, document_type=JOURNAL_SEQUENCE, year=date.today().year, prefix="JE", padding=6
        )
        self.company = company
        self.holder = psycopg.connect(database_url(connection.settings_dict))

    def __enter__(self) -> "JournalNumbersHeld":
        self.holder.execute(
            "SELECT id FROM core_documentsequence WHERE company_id = %s AND document_type = %s AND year = %s "
            "FOR UPDATE",
            [self.company.pk, JOURNAL_SEQUENCE, date.today().year],
        )
        return self

    def waiting(self) -> list[int]:
        """Process ids of the connections queued behind the held row (asked from outside the holder's
        transaction, which would see the activity statistics frozen at its start)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [self.holder.info.backend_pid]
            )
            return [pid for (pid,) in cursor.fetchall()]

    def __exit__(self, *exc_info) -> None:
        self.holder.rollback()
        self.holder.close()


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_posts_one_entry_linked_to_the_event_and_the_document(celery_worker_process, adjust):
    adjustment = adjust("4")
    event = event_of(adjustment)

    wait_until_done(event, celery_worker_process)

    [entry] = entries_for(adjustment)
    assert entry.event_id == event.pk
    assert entry.source_number == adjustment.number
    assert entry.total == Decimal("10.00")
    assert {(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")} == {
        ("1405", Decimal("10.00"), Decimal("0.00")),
        ("1901", Decimal("0.00"), Decimal("10.00")),
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_event_enqueued_twice_more_is_posted_once(celery_worker_process, adjust):
    adjustment = adjust("4")  # enqueued once on commit
    event = event_of(adjustment)
    outbox.enqueue(event.pk)
    outbox.enqueue(event.pk)
    # One worker process takes tasks in order: once this later event is done, so are the duplicates.
    later = event_of(adjust("1"))

    wait_until_done(later, celery_worker_process)

    assert status_of(event) == OutboxEvent.Status.DONE
    assert len(entries_for(adjustment)) == 1
    assert JournalEntry.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_dispatches_of_one_event_post_one_entry(books, adjust, monkeypatch):
    monkeypatch.setattr(outbox, "enqueue", lambda event_id: None)  # the broker is down: the event waits
    adjustment = adjust("4")
    event = event_of(adjustment)
    results: dict[str, outbox.DispatchResult] = {}

    def dispatch(name: str) -> None:
        try:
            results[name] = outbox.dispatch(event.pk)
        finally:
            connection.close()

    with JournalNumbersHeld(books) as numbers:
        first = threading.Thread(target=dispatch, args=("first",))
        first.start()
        wait_until(numbers.waiting, timeout=10, message="the first dispatch to be posting the event")
        second = threading.Thread(target=dispatch, args=("second",))
        second.start()
        second.join(timeout=10)
        # The second gave up on the locked event while the first was still in the middle of posting it.
        assert not second.is_alive() and first.is_alive()
    first.join(timeout=10)

    assert results["first"].handled and not results["second"].handled
    assert status_of(event) == OutboxEvent.Status.DONE
    assert len(entries_for(adjustment)) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_posting_leaves_the_event_to_the_sweep(celery_worker_process, books, adjust):
    with JournalNumbersHeld(books) as numbers:
        adjustment = adjust("4")
        event = event_of(adjustment)
        [posting] = wait_until(numbers.waiting, timeout=30, message="the worker to be posting the event")

        celery_worker_process.kill()

    # Released, the orphaned transaction finds its client gone and rolls back.
    wait_until(lambda: not backend_alive(posting), timeout=30, message="the killed task's transaction to end")
    assert status_of(event) == OutboxEvent.Status.PENDING
    assert entries_for(adjustment) == []

    celery_worker_process.start()
    wait_until(outbox.pending_to_sweep, timeout=10, message="the event to be old enough for the sweep")
    assert outbox.sweep() == 1

    wait_until_done(event, celery_worker_process)
    [entry] = entries_for(adjustment)
    assert entry.event_id == event.pk
