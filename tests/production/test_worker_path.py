"""The issue's required path on a real Celery worker: a two-level BOM built end to end (release →
issue with a lot-tracked component → partial output → output → close); once the worker has posted
every money event, inventory, WIP and the variance account agree to the cent and the finished lot
traces to its component lots. The figures are worked out in tests/production/flow.py."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.core.models import OutboxEvent
from apps.finance import selectors as books_selectors
from apps.finance.models import Account, JournalEntry
from apps.inventory.models import StockBalance
from apps.production import selectors
from tests.testapp.worker import wait_until

from .conftest import TODAY
from .flow import make_bikes, make_frames

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def balance(company, code: str) -> Decimal:
    return books_selectors.account_balance(account=Account.objects.get(company=company, code=code), as_of=TODAY)


def wait_for_the_outbox_to_drain(worker, *, timeout: float = 60) -> None:
    waiting = OutboxEvent.objects.exclude(status=OutboxEvent.Status.DONE)
    try:
        wait_until(lambda: not waiting.exists(), timeout=timeout, message="the worker to drain the outbox")
    except AssertionError as exc:
        states = list(waiting.values_list("kind", "status", "last_error"))
        raise AssertionError(f"{exc}: {states}\n--- worker log ---\n{worker.log()}") from None


def test_two_level_build_reconciles_and_traces_on_a_real_worker(
    celery_worker_process,
    books,
    admin_user,
    plant_stock,
    frame_order,
    bike_bom,
    bike,
    frame,
    resin,
    warehouse,
    location,
):
    make_frames(actor=admin_user, frame_order=frame_order, location=location)
    bikes = make_bikes(
        actor=admin_user, company=books, bike=bike, warehouse=warehouse, location=location, resin=resin, frame=frame
    )

    wait_for_the_outbox_to_drain(celery_worker_process)

    assert JournalEntry.objects.filter(event__kind__startswith="production.").count() == 6
    assert balance(books, "5001") == selectors.wip_total(company=books) == Decimal("0.00")
    assert balance(books, "640102") == bikes.variance == Decimal("10.55")
    stock_value = StockBalance.objects.filter(company=books).aggregate(total=Sum("value"))["total"]
    assert balance(books, "1405") == stock_value == Decimal("459.45")
    rows, pending = books_selectors.control_reconciliation(company=books)
    assert pending == 0 and [row.difference for row in rows if row.label.startswith("Work in progress")] == [0]
    inventory_rows, _pending = books_selectors.inventory_reconciliation(company=books)
    assert inventory_rows and [row.difference for row in inventory_rows] == [0] * len(inventory_rows)

    bike_lot = bike.lots.get(number="B1")
    made_from = {(g.component_lot.item.code, g.component_lot.number) for g in selectors.lots_made_from(bike_lot)}
    assert made_from == {("FRAME", "F1"), ("RESIN", "R1")}
    assert selectors.trace_up(resin.lots.get(number="R1")) == {bike_lot.pk}
