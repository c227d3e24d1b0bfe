"""Goods receipts per second through the purchasing services vs the inventory ledger beneath them, on PostgreSQL.

One process, one company with its books open, five stock items and a supplier. Purchase orders of
five lines (100 units each) are created and confirmed (no approval rule: they confirm directly);
then 2,000 receipts of five lines (one unit of each item, against one order's lines) are created
and posted with `create_receipt` + `post_receipt`. The baseline, in the same run: the same stock
writes made by the ledger directly, `post_moves` with five receiving MoveLines in its own
transaction, plus one outbox event as a receipt emits. Both run in alternating chunks so drift
on this shared machine hits them alike. Target: the purchasing layer within 2x of the ledger.
Events are enqueued to Redis on commit (BENCH_BROKER_URL) as deployed; no worker drains them here.
The statements of one receipt are counted by kind; BENCH_PROFILE=1 also prints where the
purchasing path's time goes (cProfile over 200 receipts).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_h5_bench \\
    BENCH_BROKER_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/purchasing_receipts.py
"""

import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report
from bench.stock_postings import open_books, purge_queues, use_broker

RECEIPTS = int(os.environ.get("BENCH_RECEIPTS", "2000"))
CHUNKS = 10
ITEMS = 5
RECEIPTS_PER_ORDER = 100
COMPANY_CODE = "BENCH-PURCHASING"
UNIT_COST = Decimal("10")


class Books:
    """The bench company's fixed records, read once."""

    def __init__(self) -> None:
        from apps.masterdata import services
        from apps.masterdata.models import Partner

        self.company, self.actor, self.warehouse, self.location, self.items = open_books(COMPANY_CODE, items=ITEMS)
        self.supplier = Partner.objects.filter(company=self.company, code="BENCH-SUP").first() or (
            services.create_partner(
                actor=self.actor,
                company=self.company,
                code="BENCH-SUP",
                name="Bench Steel Supplier",
                is_supplier=True,
                is_customer=False,
            )
        )
        self.today = date.today()


def confirmed_orders(books: Books, count: int) -> list[list]:
    """`count` confirmed orders of five lines; returns each order's lines in item order."""
    from apps.purchasing import services

    orders = []
    for _n in range(count):
        order = services.create_order(
            actor=books.actor,
            company=books.company,
            supplier=books.supplier,
            warehouse=books.warehouse,
            document_date=books.today,
            expected_date=books.today,
            lines=[{"item": item, "quantity": Decimal(RECEIPTS_PER_ORDER), "price": UNIT_COST} for item in books.items],
        )
        services.confirm_order(actor=books.actor, order=order)
        orders.append(list(order.lines.select_related("item").order_by("id")))
    return orders


def receive(books: Books, order_lines: list) -> None:
    """One five-line receipt created and posted through the purchasing services."""
    from apps.purchasing import services

    receipt = services.create_receipt(
        actor=books.actor,
        company=books.company,
        supplier=books.supplier,
        warehouse=books.warehouse,
        document_date=books.today,
        lines=[{"order_line": line, "quantity": Decimal(1), "location": books.location} for line in order_lines],
    )
    services.post_receipt(actor=books.actor, receipt=receipt)


def post_through_ledger(books: Books, token: str) -> None:
    """The same five receiving moves through `post_moves`, plus one outbox event, in one transaction."""
    from django.db import transaction

    from apps.core.outbox import emit
    from apps.inventory.models import StockMove
    from apps.inventory.services import MoveLine, post_moves
    from apps.inventory.services.postings import money_lines

    with transaction.atomic():
        moves = post_moves(
            company=books.company,
            kind=StockMove.Kind.RECEIPT,
            lines=[
                MoveLine(item=item, quantity=Decimal(1), to_location=books.location, unit_cost=UNIT_COST)
                for item in books.items
            ],
            source=books.warehouse,
            source_number=token,
            move_date=books.today,
            actor=books.actor,
        )
        emit(
            kind="bench.ledger.posted",
            source=books.warehouse,
            company_id=books.company.pk,
            key_suffix=token,
            payload={
                "date": books.today.isoformat(),
                "source_number": token,
                "description": token,
                "lines": money_lines(moves, counter_role="grni", partner_id=books.supplier.pk),
            },
        )


def statements_per_receipt(books: Books, order_lines: list) -> Counter:
    """Statements of one receipt (create + post) by kind, as Django sends them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        receive(books, order_lines)
    return Counter(query["sql"].split()[0] for query in queries)


def statements_per_ledger_call(books: Books) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        post_through_ledger(books, f"count-{uuid.uuid4().hex}")
    return len(queries)


def profile(books: Books, orders: list[list]) -> None:
    """Where the purchasing path's time goes (BENCH_PROFILE=1): cumulative time of the heaviest calls."""
    profiler = cProfile.Profile()
    profiler.enable()
    for order_lines in orders:
        for _n in range(RECEIPTS_PER_ORDER):
            receive(books, order_lines)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(r"apps/|psycopg/cursor|django/db", 40)
    print(stream.getvalue())


def measure(books: Books, orders: list[list]) -> tuple[float, float]:
    """(receipts/s, ledger documents/s), each over RECEIPTS documents run in alternating chunks."""
    work = [order_lines for order_lines in orders for _n in range(RECEIPTS_PER_ORDER)][:RECEIPTS]
    chunk = -(-RECEIPTS // CHUNKS)
    token = uuid.uuid4().hex[:12]
    purchasing_seconds = ledger_seconds = 0.0
    for start in range(0, RECEIPTS, chunk):
        began = time.perf_counter()
        for n in range(start, min(start + chunk, RECEIPTS)):
            post_through_ledger(books, f"{token}-{n}")
        ledger_seconds += time.perf_counter() - began
        began = time.perf_counter()
        for order_lines in work[start : start + chunk]:
            receive(books, order_lines)
        purchasing_seconds += time.perf_counter() - began
    return RECEIPTS / purchasing_seconds, RECEIPTS / ledger_seconds


def main() -> None:
    use_broker()
    from bench.common import setup_django

    setup_django()
    books = Books()
    warmup = confirmed_orders(books, 1)[0]
    for _n in range(20):
        receive(books, warmup)
        post_through_ledger(books, f"warmup-{uuid.uuid4().hex}")
    statements = statements_per_receipt(books, warmup)
    ledger_statements = statements_per_ledger_call(books)
    print(f"statements per receipt (create + post): {sum(statements.values())} {dict(statements)}")
    print(f"statements per ledger call (post_moves + emit): {ledger_statements}")
    if os.environ.get("BENCH_PROFILE"):
        profile(books, confirmed_orders(books, 2))
    orders = confirmed_orders(books, -(-RECEIPTS // RECEIPTS_PER_ORDER))
    purchasing, ledger = measure(books, orders)
    from erp.celery import app

    purge_queues(app)
    print(f"purchasing {purchasing:.1f} receipts/s, ledger {ledger:.1f} documents/s")
    figure = f"{RECEIPTS:,} goods receipts of {ITEMS} lines created + posted, 1 process"
    report(
        "purchasing_receipts",
        [
            {
                "figure": figure,
                "value": purchasing,
                "unit": "documents/s",
                "baseline": "post_moves + outbox event, same 5 moves",
                "baseline_value": ledger,
                "ratio": ledger / purchasing,
                "target": "purchasing within 2x of the ledger (ratio <= 2)",
                "ok": ledger / purchasing <= 2,
            },
            {
                "figure": "statements per receipt (create + post)",
                "value": sum(statements.values()),
                "unit": "statements",
                "baseline": "post_moves + emit",
                "baseline_value": ledger_statements,
                "ratio": sum(statements.values()) / ledger_statements,
                "target": "(explains the gap)",
                "ok": True,
            },
        ],
    )


if __name__ == "__main__":
    main()
