"""A random sequence of receipts, issues, transfers and adjustments always leaves the books and the
stock ledger telling the same truth."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.finance import selectors
from apps.finance.models import Account, PostingRule
from apps.inventory import services as stock
from apps.inventory.models import StockBalance, StockMove
from apps.inventory.services import StockError
from tests.factories import ItemFactory, LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

quantities = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("40"), places=2)
costs = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)
operation = st.one_of(
    st.tuples(st.just("receive"), st.integers(0, 2), st.integers(0, 3), quantities, costs),
    st.tuples(st.just("issue"), st.integers(0, 2), st.integers(0, 3), quantities, st.none()),
    st.tuples(st.just("transfer"), st.integers(0, 2), st.integers(0, 3), quantities, st.integers(0, 3)),
)


@pytest.fixture
def stockyard(books, admin_user):
    """Two warehouses whose inventory goes to different accounts, two locations each, three items."""
    main = WarehouseFactory(company=books, code="W1")
    branch = WarehouseFactory(company=books, code="W2")
    PostingRule.objects.create(
        company=books, role="inventory", warehouse=branch, account=Account.objects.get(company=books, code="1411")
    )
    locations = [LocationFactory(warehouse=w, code=f"{w.code}-{n}") for w in (main, branch) for n in (1, 2)]
    items = [ItemFactory(company=books, code=f"P{n}") for n in range(3)]
    return books, locations, items


def apply(actor, company, locations, items, op) -> None:
    kind, item_index, location_index, quantity, extra = op
    item, location = items[item_index], locations[location_index]
    try:
        if kind == "transfer":
            target = locations[extra]
            if target == location:
                return
            transfer = stock.create_transfer(
                actor=actor,
                company=company,
                from_warehouse=location.warehouse,
                to_warehouse=target.warehouse,
                document_date=date.today(),
                lines=[{"item": item, "from_location": location, "to_location": target, "quantity": quantity}],
            )
            stock.complete_transfer(actor=actor, transfer=transfer)
            if transfer.crosses_warehouses:
                stock.receive_transfer(actor=actor, transfer=transfer)
            return
        signed = quantity if kind == "receive" else -quantity
        adjustment = stock.create_adjustment(
            actor=actor,
            company=company,
            warehouse=location.warehouse,
            reason=kind,
            document_date=date.today(),
            lines=[{"item": item, "location": location, "quantity": signed, "unit_cost": extra}],
        )
        stock.post_adjustment(actor=actor, adjustment=adjustment)
    except StockError as refused:
        assert refused.code == "insufficient_stock"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=15))
def test_books_and_stock_reconcile_after_any_sequence(stockyard, admin_user, drain_outbox, operations):
    company, locations, items = stockyard
    for op in operations:
        apply(admin_user, company, locations, items, op)
    drain_outbox()

    rows, pending = selectors.inventory_reconciliation(company=company)
    assert pending == 0
    assert [row.difference for row in rows] == [0] * len(rows)
    today = date.today()
    assert selectors.trial_balance(company=company, start=today.replace(day=1), end=today).balanced
    for balance in StockBalance.objects.filter(company=company):
        moved_in = StockMove.objects.filter(item=balance.item, to_location=balance.location).aggregate(
            q=Sum("quantity")
        )["q"]
        moved_out = StockMove.objects.filter(item=balance.item, from_location=balance.location).aggregate(
            q=Sum("quantity")
        )["q"]
        assert balance.on_hand == (moved_in or 0) - (moved_out or 0)
        assert balance.on_hand >= 0
    assert not StockBalance.objects.filter(company=company, on_hand__lt=F("reserved")).exists()
