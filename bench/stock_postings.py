"""Posting throughput: single-line stock adjustments created and posted through the service, on PostgreSQL.

10,000 adjustments (each +1 unit at a given cost, on one of ten items) are created and posted with
`create_adjustment` + `post_adjustment` by one process, with no approval rule (the approval is
recorded as not required). The baselines, in the same run:
- pgbench TPC-B on one connection (bench/pgbench_tpcb.py's figure from this run, else run here):
  the service must reach 1/3 of it;
- a psycopg loop writing the same rows in one transaction per document (number, header and its
  history, line and its history, stock move, balance and item-cost upserts, outbox event, the
  not-required approval record, the posted status and its history): the service within 3x of it.
  The loop and the service run in alternating chunks (CHUNKS), so both see the same load.
Two processes, each on its own five items (5,000 documents each), must reach 1.6x one process.
Events are enqueued to Redis on commit (BENCH_BROKER_URL) as deployed; no worker drains them here.
The statements of one document are counted by kind; BENCH_PROFILE=1 also prints where the
service's time goes (cProfile over 300 documents).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_h3_bench \\
    BENCH_BROKER_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/stock_postings.py
"""

import cProfile
import io
import json
import multiprocessing
import os
import pstats
import sys
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_BENCH_DB, OUT_DIR, report

DOCUMENTS = int(os.environ.get("BENCH_POSTINGS", "10000"))
ITEMS = 10
COMPANY_CODE = "BENCH-LEDGER"
PGBENCH_FRESH_SECONDS = 3600
COST = Decimal("12.5")
REASON = "Found in bench"
CHUNKS = 10


def use_broker() -> None:
    """Enqueue on commit to Redis as deployed (not Celery's eager mode, which would post in-process)."""
    broker = os.environ.get("BENCH_BROKER_URL") or os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/13"
    os.environ["CELERY_BROKER_URL"] = broker


def open_books(code: str = COMPANY_CODE, *, items: int = ITEMS):
    """A company with the Chinese chart, this year open, one warehouse and bin, and stock items."""
    from apps.core.models import User
    from apps.finance.services import load_chart, open_fiscal_year
    from apps.masterdata import services
    from apps.masterdata.models import Company, Currency, Item, Location, TaxRate, UnitOfMeasure, Warehouse

    actor, _created = User.objects.get_or_create(username="bench-keeper")
    company = Company.objects.filter(code=code).first()
    if company is None:
        company = services.save_reference(
            actor=actor,
            instance=Company(code=code, name=f"{code} Ltd", base_currency=Currency.objects.get(code="CNY")),
        )
        load_chart(actor=actor, company=company, template="cas")
    open_fiscal_year(actor=actor, company=company, year=date.today().year)
    warehouse = Warehouse.objects.filter(company=company, code="MAIN").first() or services.save_warehouse(
        actor=actor, warehouse=Warehouse(company=company, code="MAIN", name="Main warehouse")
    )
    location = Location.objects.filter(warehouse=warehouse, code="A-01").first() or services.save_location(
        actor=actor, location=Location(warehouse=warehouse, code="A-01", name="Bin A-01", kind=Location.Kind.BIN)
    )
    unit, vat = UnitOfMeasure.objects.get(code="PCS"), TaxRate.objects.get(code="VAT13")
    stock_items = []
    for n in range(items):
        item = Item.objects.filter(company=company, code=f"SKU-{n:03d}").first() or services.create_item(
            actor=actor,
            company=company,
            code=f"SKU-{n:03d}",
            name=f"Bench part {n}",
            item_type=Item.ItemType.STOCK,
            base_unit=unit,
            tax_rate=vat,
            standard_price=Decimal("10.00"),
        )
        stock_items.append(item)
    return company, actor, warehouse, location, stock_items


def purge_queues(app) -> None:
    """Drop the dispatch messages queued on commit in the bench's Redis database (their events stay pending)."""
    from bench.celery_tasks import QUEUE

    with app.connection_for_write() as broker:
        for queue in (QUEUE, "celery"):
            broker.default_channel.queue_purge(queue)


def post_documents(company_id: int, items: list, count: int) -> tuple[float, float]:
    """Create and post `count` one-line adjustments through the service; returns (start, end) times."""
    from apps.core.models import User
    from apps.inventory import services
    from apps.masterdata.models import Company, Location, Warehouse

    company = Company.objects.get(pk=company_id)
    actor = User.objects.get(username="bench-keeper")
    warehouse = Warehouse.objects.get(company=company, code="MAIN")
    location = Location.objects.get(warehouse=warehouse, code="A-01")
    today = date.today()
    started = time.time()
    for n in range(count):
        adjustment = services.create_adjustment(
            actor=actor,
            company=company,
            warehouse=warehouse,
            reason=REASON,
            document_date=today,
            lines=[{"item": items[n % len(items)], "location": location, "quantity": Decimal(1), "unit_cost": COST}],
        )
        services.post_adjustment(actor=actor, adjustment=adjustment)
    return started, time.time()


def _post_share(company_id: int, item_ids: list[int], count: int, go, results) -> None:
    import django
    from django.db import connections

    django.setup()
    from apps.masterdata.models import Item

    items = list(Item.objects.filter(pk__in=item_ids).order_by("pk"))
    connections.close_all()
    go.wait()
    results.put(post_documents(company_id, items, count))


def two_processes(company_id: int, items: list) -> float:
    """Documents/s over both processes, each posting half the documents on its own half of the items."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    half = len(items) // 2
    shares = [[item.pk for item in items[:half]], [item.pk for item in items[half:]]]
    workers = [
        context.Process(target=_post_share, args=(company_id, share, DOCUMENTS // 2, go, results)) for share in shares
    ]
    for worker in workers:
        worker.start()
    time.sleep(2)
    go.set()
    spans = [results.get(timeout=1800) for _worker_process in workers]
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            sys.exit(f"a posting process failed (exit code {worker.exitcode})")
    return (DOCUMENTS // 2) * 2 / (max(end for _start, end in spans) - min(start for start, _end in spans))


# --- The raw-SQL baseline ------------------------------------------------------------------------

RAW_SEQUENCE = """
    UPDATE core_documentsequence SET last_value = last_value + 1
    WHERE company_id = %(company)s AND document_type = 'stock_adjustment' AND year = %(year)s
    RETURNING prefix || '-' || %(year)s || '-' || lpad(last_value::text, padding, '0')
"""
RAW_HEADER = """
    INSERT INTO inventory_stockadjustment (number, status, document_date, created_at, modified_at, reason,
        total_value, company_id, created_by_id, modified_by_id, warehouse_id)
    VALUES (%(number)s, 'posted', %(today)s, now(), now(), %(reason)s, %(cost)s, %(company)s, %(actor)s, %(actor)s,
        %(warehouse)s)
    RETURNING id
"""
RAW_HEADER_HISTORY = """
    INSERT INTO inventory_historicalstockadjustment (id, number, status, document_date, created_at, modified_at,
        reason, total_value, history_date, history_change_reason, history_type, company_id, created_by_id,
        history_user_id, modified_by_id, warehouse_id)
    VALUES (%(adjustment)s, %(number)s, 'draft', %(today)s, now(), now(), %(reason)s, 0, now(), 'Created', '+',
            %(company)s, %(actor)s, %(actor)s, %(actor)s, %(warehouse)s),
           (%(adjustment)s, %(number)s, 'posted', %(today)s, now(), now(), %(reason)s, %(cost)s, now(), 'Posted', '~',
            %(company)s, %(actor)s, %(actor)s, %(actor)s, %(warehouse)s)
"""
RAW_LINE = """
    INSERT INTO inventory_stockadjustmentline (lot_number, quantity, unit_cost, value, adjustment_id, item_id,
        location_id)
    VALUES ('', 1, %(cost)s, %(cost)s, %(adjustment)s, %(item)s, %(location)s)
    RETURNING id
"""
RAW_LINE_HISTORY = """
    INSERT INTO inventory_historicalstockadjustmentline (id, lot_number, quantity, unit_cost, value, history_date,
        history_type, history_user_id, item_id, location_id, adjustment_id)
    VALUES (%(line)s, '', 1, %(cost)s, 0, now(), '+', %(actor)s, %(item)s, %(location)s, %(adjustment)s)
"""
RAW_APPROVAL = """
    WITH request AS (
        INSERT INTO approvals_approvalrequest (document_type, object_id, document_number, summary, amount, status,
            submitted_at, closed_at, company_id, content_type_id, requester_id)
        VALUES ('inventory.stockadjustment', %(adjustment)s, %(number)s, %(reason)s, %(cost)s, 'not_required', now(),
            now(), %(company)s, %(type)s, %(actor)s)
        RETURNING *
    )
    INSERT INTO approvals_historicalapprovalrequest (id, document_type, object_id, document_number, summary, amount,
        status, submitted_at, closed_at, history_date, history_type, company_id, content_type_id, history_user_id,
        requester_id)
    SELECT id, document_type, object_id, document_number, summary, amount, status, submitted_at, closed_at, now(),
        '+', company_id, content_type_id, %(actor)s, requester_id
    FROM request
"""
RAW_COST = """
    INSERT INTO inventory_itemcost (company_id, item_id, quantity, value, average_cost)
    VALUES (%(company)s, %(item)s, 1, %(cost)s, %(cost)s)
    ON CONFLICT (item_id) DO UPDATE SET quantity = inventory_itemcost.quantity + 1,
        value = inventory_itemcost.value + excluded.value,
        average_cost = round((inventory_itemcost.value + excluded.value) / (inventory_itemcost.quantity + 1), 6)
"""
RAW_BALANCE = """
    INSERT INTO inventory_stockbalance (company_id, item_id, warehouse_id, location_id, on_hand, reserved, value)
    VALUES (%(company)s, %(item)s, %(warehouse)s, %(location)s, 1, 0, %(cost)s)
    ON CONFLICT (item_id, location_id) WHERE lot_id IS NULL
    DO UPDATE SET on_hand = inventory_stockbalance.on_hand + 1, value = inventory_stockbalance.value + excluded.value
"""
RAW_MOVE = """
    INSERT INTO inventory_stockmove (kind, quantity, unit_cost, value, move_date, source_id, source_number, posted_at,
        company_id, item_id, posted_by_id, source_type_id, to_location_id)
    VALUES ('adjustment', 1, %(cost)s, %(cost)s, %(today)s, %(adjustment)s, %(number)s, now(), %(company)s, %(item)s,
        %(actor)s, %(type)s, %(location)s)
"""
RAW_EVENT = """
    INSERT INTO core_outboxevent (key, kind, source_id, payload, status, attempts, last_error, created_at, company_id,
        source_type_id)
    VALUES ('inventory.stockadjustment:' || %(adjustment)s || ':inventory.adjustment.posted',
        'inventory.adjustment.posted', %(adjustment)s, %(payload)s, 'pending', 0, '', clock_timestamp(), %(company)s,
        %(type)s)
    RETURNING id
"""


# BEGIN, the eleven statements of raw_document, COMMIT
RAW_STATEMENTS = 13


def raw_values(company, actor, warehouse, location) -> dict:
    """The fixed parameters of raw_document for this company's bench warehouse."""
    from django.contrib.contenttypes.models import ContentType

    from apps.inventory.models import StockAdjustment

    today = date.today()
    return {
        "company": company.pk,
        "warehouse": warehouse.pk,
        "location": location.pk,
        "actor": actor.pk,
        "year": today.year,
        "today": today,
        "type": ContentType.objects.get_for_model(StockAdjustment).pk,
        "cost": COST,
        "reason": REASON,
    }


def raw_loop(company, actor, warehouse, location, items: list, count: int) -> float:
    """Documents/s for a psycopg loop writing the service's rows, one transaction per document."""
    import psycopg

    fixed = raw_values(company, actor, warehouse, location)
    with psycopg.connect(os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)) as connection:
        started = time.perf_counter()
        for n in range(count):
            with connection.transaction():
                raw_document(connection, {**fixed, "item": items[n % len(items)].pk})
        return count / (time.perf_counter() - started)


def raw_document(connection, values: dict) -> int:
    """Write one posted adjustment; returns its outbox event's id."""
    values["number"] = connection.execute(RAW_SEQUENCE, values).fetchone()[0]
    values["adjustment"] = connection.execute(RAW_HEADER, values).fetchone()[0]
    connection.execute(RAW_HEADER_HISTORY, values)
    values["line"] = connection.execute(RAW_LINE, values).fetchone()[0]
    connection.execute(RAW_LINE_HISTORY, values)
    connection.execute(RAW_APPROVAL, values)
    connection.execute(RAW_COST, values)
    connection.execute(RAW_BALANCE, values)
    connection.execute(RAW_MOVE, values)
    amount = str(COST.quantize(Decimal("0.01")))
    payload = {
        "date": values["today"].isoformat(),
        "source_number": values["number"],
        "description": f"Stock adjustment {values['number']}: {REASON}",
        "lines": [
            {"role": "inventory", "item_category": None, "warehouse": values["warehouse"], "partner": None,
             "debit": amount, "credit": "0"},
            {"role": "inventory_adjustment", "item_category": None, "warehouse": None, "partner": None,
             "debit": "0", "credit": amount},
        ],
    }  # fmt: skip
    return connection.execute(RAW_EVENT, {**values, "payload": json.dumps(payload)}).fetchone()[0]


def service_and_raw(company, actor, warehouse, location, items: list) -> tuple[float, float]:
    """(service documents/s, raw-SQL documents/s), DOCUMENTS each, run in alternating chunks so that
    both see the same load on this shared machine."""
    chunk = -(-DOCUMENTS // CHUNKS)
    service_seconds = raw_seconds = 0.0
    for start in range(0, DOCUMENTS, chunk):
        count = min(chunk, DOCUMENTS - start)
        raw_seconds += count / raw_loop(company, actor, warehouse, location, items, count)
        started, ended = post_documents(company.pk, items, count)
        service_seconds += ended - started
    return DOCUMENTS / service_seconds, DOCUMENTS / raw_seconds


def pgbench_tps() -> float:
    """This run's pgbench TPC-B tps (bench/run.py runs it first); measured here when there is none."""
    out = OUT_DIR / "pgbench_tpcb.json"
    if not out.exists() or time.time() - out.stat().st_mtime > PGBENCH_FRESH_SECONDS:
        from bench import pgbench_tpcb

        pgbench_tpcb.main()
    return json.loads(out.read_text())[0]["value"]


def statements_per_document(company, items) -> Counter:
    """Statements of one document by kind (after warm-up), as Django sends them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post_documents(company.pk, items, 1)
    with CaptureQueriesContext(connection) as queries:
        post_documents(company.pk, items, 1)
    setup = 4  # post_documents reads the company, actor, warehouse and location once
    return Counter(query["sql"].split()[0] for query in queries[setup:])


def profile(company, items, count: int = 300) -> None:
    """Where the service's time goes (BENCH_PROFILE=1): cumulative time of the heaviest calls."""
    profiler = cProfile.Profile()
    profiler.enable()
    post_documents(company.pk, items, count)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(r"apps/|psycopg/cursor", 30)
    print(stream.getvalue())


def main() -> None:
    use_broker()
    from bench.common import setup_django

    setup_django()
    company, actor, warehouse, location, items = open_books()
    tps = pgbench_tps()
    statements = statements_per_document(company, items)
    print(f"statements per document through the service: {sum(statements.values())} {dict(statements)}")
    if os.environ.get("BENCH_PROFILE"):
        profile(company, items)
    raw_loop(company, actor, warehouse, location, items, 100)  # warm-up
    one, raw = service_and_raw(company, actor, warehouse, location, items)
    two = two_processes(company.pk, items)
    from erp.celery import app

    purge_queues(app)
    print(f"service {one:.1f}/s, raw SQL {raw:.1f}/s, two processes {two:.1f}/s, pgbench {tps:.1f} tps")
    figure = f"{DOCUMENTS:,} one-line adjustments created + posted through the service, 1 process"
    report(
        "stock_postings",
        [
            {
                "figure": figure,
                "value": one,
                "unit": "documents/s",
                "baseline": "pgbench TPC-B, 1 connection (tps)",
                "baseline_value": tps,
                "ratio": one / tps,
                "target": ">= 1/3 of pgbench (ratio >= 0.33)",
                "ok": one / tps >= 1 / 3,
            },
            {
                "figure": figure,
                "value": one,
                "unit": "documents/s",
                "baseline": "psycopg loop writing the same rows",
                "baseline_value": raw,
                "ratio": one / raw,
                "target": "within 3x of raw SQL (ratio >= 0.33)",
                "ok": one / raw >= 1 / 3,
            },
            {
                "figure": "the same, 2 processes on different items",
                "value": two,
                "unit": "documents/s",
                "baseline": "1 process",
                "baseline_value": one,
                "ratio": two / one,
                "target": ">= 1.6x",
                "ok": two / one >= 1.6,
            },
            {
                "figure": "statements per document through the service",
                "value": sum(statements.values()),
                "unit": "statements",
                "baseline": "the raw-SQL loop",
                "baseline_value": RAW_STATEMENTS,
                "ratio": sum(statements.values()) / RAW_STATEMENTS,
                "target": "(explains the gap)",
                "ok": True,
            },
        ],
    )


if __name__ == "__main__":
    main()
