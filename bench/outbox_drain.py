"""Outbox drain: pending stock-adjustment events posted into the journal by a real Celery worker on Redis.

Stock adjustments are posted through the service (SEED of them); their events are the templates of
the 10,000 pending events drained here (copied in SQL with new keys: the same kind, source and
payload, each its own journal entry). Then, in the same run:
- drain: the events are queued to Redis and a worker (prefork, 2 processes, CELERY_DB_REUSE_MAX as
  erp/settings.py sets it) posts them; the rate is taken from the entries' own posted_at, first to
  last (target >= 300 events/s);
- baseline: as many copies posted in this one process by calling the subscriber through
  apps.core.outbox.dispatch, as the task does, without the broker;
- lag: with the worker running, documents are written and committed at 100/s by the raw-SQL writer
  of bench/stock_postings.py (the service itself does not reach 100/s on this machine; see that
  benchmark) and each event is queued on commit as emit() does; the lag is the event's commit
  (clock_timestamp() of its insert, the transaction's last statement) to its journal entry's
  posted_at; p95 under 1 s.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_h3_bench \\
    BENCH_BROKER_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/outbox_drain.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_BENCH_DB, report
from bench.stock_postings import open_books, post_documents, purge_queues, raw_document, raw_values, use_broker

EVENTS = int(os.environ.get("BENCH_OUTBOX_EVENTS", "10000"))
SEED = 50
COMPANY_CODE = "BENCH-OUTBOX"
LAG_RATE = 100
LAG_SECONDS = int(os.environ.get("BENCH_LAG_SECONDS", "20"))

COPY_EVENTS = """
    INSERT INTO core_outboxevent (key, kind, source_id, payload, status, attempts, last_error, created_at, company_id,
        source_type_id)
    SELECT e.key || ':copy-' || %(batch)s || '-' || n, e.kind, e.source_id, e.payload, 'pending', 0, '', now(),
        e.company_id, e.source_type_id
    FROM generate_series(0, %(count)s - 1) AS n
    JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS position, * FROM core_outboxevent WHERE id = ANY(%(seed)s)) e
      ON e.position = n %% %(seeds)s
    ORDER BY n
    RETURNING id
"""


def seed_events(company, items) -> list[int]:
    """SEED adjustments posted through the service; their events, posted in-process (a warm-up)."""
    from apps.core.models import OutboxEvent
    from apps.core.outbox import dispatch

    newest = OutboxEvent.objects.filter(company=company).order_by("-id").values_list("id", flat=True).first() or 0
    post_documents(company.pk, items, SEED)
    seed = list(
        OutboxEvent.objects.filter(company=company, pk__gt=newest, kind="inventory.adjustment.posted")
        .order_by("id")
        .values_list("id", flat=True)
    )
    for event_id in seed:
        dispatch(event_id)
    return seed


def copy_events(seed: list[int], batch: str) -> list[int]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COPY_EVENTS, {"batch": batch, "count": EVENTS, "seed": seed, "seeds": len(seed)})
        return [row[0] for row in cursor.fetchall()]


def posted(event_ids: list[int]) -> int:
    from apps.finance.models import JournalEntry

    return JournalEntry.objects.filter(event_id__in=event_ids).count()


def drain_with_worker(app, broker_url: str, event_ids: list[int]) -> float:
    """Queue every event, start the worker, wait until all are in the journal; events/s first to last entry."""
    from django.db.models import Max, Min

    from apps.core.tasks import dispatch_event
    from apps.finance.models import JournalEntry
    from bench.celery_tasks import QUEUE, Worker, wait_until

    for event_id in event_ids:
        dispatch_event.apply_async(args=[event_id], queue=QUEUE)
    worker = Worker(app=app, reuse_max=os.environ.get("CELERY_DB_REUSE_MAX", "1000"), broker_url=broker_url)
    try:
        wait_until(lambda: posted(event_ids) >= len(event_ids), timeout=1800, message="the outbox to drain")
    finally:
        worker.stop()
    span = JournalEntry.objects.filter(event_id__in=event_ids).aggregate(first=Min("posted_at"), last=Max("posted_at"))
    return (len(event_ids) - 1) / (span["last"] - span["first"]).total_seconds()


def drain_in_process(event_ids: list[int]) -> tuple[float, int]:
    """(events/s, statements of the first event) for the events dispatched one by one in this process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core.outbox import dispatch

    with CaptureQueriesContext(connection) as queries:
        dispatch(event_ids[0])
    started = time.perf_counter()
    handled = 1 + sum(dispatch(event_id).handled for event_id in event_ids[1:])
    elapsed = time.perf_counter() - started
    assert handled == len(event_ids), f"{handled} of {len(event_ids)} events handled"
    return (handled - 1) / elapsed, len(queries)


def lag_while_posting(app, broker_url: str, company, actor, warehouse, location, items) -> tuple[float, float, float]:
    """(p95 lag ms, median lag ms, documents/s achieved) with documents committed at LAG_RATE/s and a worker running."""
    import psycopg

    from apps.core.tasks import dispatch_event
    from apps.finance.models import JournalEntry
    from bench.celery_tasks import QUEUE, Worker, wait_until

    fixed = raw_values(company, actor, warehouse, location)
    event_ids = []
    worker = Worker(app=app, reuse_max=os.environ.get("CELERY_DB_REUSE_MAX", "1000"), broker_url=broker_url)
    try:
        with psycopg.connect(os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)) as connection:
            started = time.perf_counter()
            for n in range(LAG_RATE * LAG_SECONDS):
                time.sleep(max(0.0, started + n / LAG_RATE - time.perf_counter()))
                with connection.transaction():
                    event_id = raw_document(connection, {**fixed, "item": items[n % len(items)].pk})
                dispatch_event.apply_async(args=[event_id], queue=QUEUE)
                event_ids.append(event_id)
            rate = len(event_ids) / (time.perf_counter() - started)
        wait_until(lambda: posted(event_ids) >= len(event_ids), timeout=600, message="the lag events to post")
    finally:
        worker.stop()
    lags = sorted(
        (entry.posted_at - entry.event.created_at).total_seconds()
        for entry in JournalEntry.objects.filter(event_id__in=event_ids).select_related("event")
    )
    return lags[int(len(lags) * 0.95) - 1] * 1000, statistics.median(lags) * 1000, rate


def main() -> None:
    use_broker()
    broker_url = os.environ["CELERY_BROKER_URL"]
    from bench.common import setup_django

    setup_django()
    from erp.celery import app

    company, actor, warehouse, location, items = open_books(COMPANY_CODE)
    purge_queues(app)
    seed = seed_events(company, items)
    purge_queues(app)  # the seed's own on-commit messages: they were posted above
    by_worker = drain_with_worker(app, broker_url, copy_events(seed, f"worker-{time.time_ns()}"))
    in_process, statements = drain_in_process(copy_events(seed, f"in-process-{time.time_ns()}"))
    p95, median, rate = lag_while_posting(app, broker_url, company, actor, warehouse, location, items)
    purge_queues(app)
    print(f"statements per event: {statements}")
    print(f"worker {by_worker:.1f}/s, in process {in_process:.1f}/s, lag p95 {p95:.0f} ms (median {median:.0f} ms)")
    report(
        "outbox_drain",
        [
            {
                "figure": f"{EVENTS:,} pending events posted into the journal by a worker (2 processes, Redis)",
                "value": by_worker,
                "unit": "events/s",
                "baseline": "the same events posted in-process (outbox.dispatch), 1 process",
                "baseline_value": in_process,
                "ratio": by_worker / in_process,
                "target": ">= 300 events/s",
                "ok": by_worker >= 300,
            },
            {
                "figure": f"outbox lag p95, commit to journal entry, documents committed at {rate:.0f}/s for "
                f"{LAG_SECONDS} s",
                "value": p95,
                "unit": "ms",
                "baseline": "median lag",
                "baseline_value": median,
                "ratio": p95 / median if median else 0.0,
                "target": "p95 < 1,000 ms",
                "ok": p95 < 1000,
            },
        ],
    )


if __name__ == "__main__":
    main()
