"""Fixtures for tests that post stock and money: a company with its books open."""

from datetime import date
from decimal import Decimal

import pytest

from apps.finance.services import load_chart, open_fiscal_year

from .factories import ItemFactory, LocationFactory, WarehouseFactory


@pytest.fixture
def books(company, admin_user):
    """The company with the Chinese chart of accounts and this year and last year open."""
    load_chart(actor=admin_user, company=company, template="cas")
    today = date.today()
    for year in (today.year - 1, today.year):
        open_fiscal_year(actor=admin_user, company=company, year=year)
    return company


@pytest.fixture
def warehouse(company):
    return WarehouseFactory(company=company, code="MAIN", name="Main warehouse")


@pytest.fixture
def location(warehouse):
    return LocationFactory(warehouse=warehouse, code="A-01")


@pytest.fixture
def other_location(warehouse):
    return LocationFactory(warehouse=warehouse, code="A-02")


@pytest.fixture
def item(company):
    return ItemFactory(company=company, code="BOLT", name="Bolt M8", standard_price=Decimal("2.00"))


@pytest.fixture
def lot_item(company):
    return ItemFactory(company=company, code="GLUE", name="Glue", lot_tracked=True)


@pytest.fixture
def drain_outbox():
    """Dispatch every pending outbox event in-process (tests run inside a transaction, so the
    on-commit enqueue never fires); returns how many were handled."""
    from apps.core.models import OutboxEvent
    from apps.core.outbox import dispatch

    def drain() -> int:
        pending = (
            OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).order_by("id").values_list("id", flat=True)
        )
        return sum(dispatch(event_id).handled for event_id in list(pending))

    return drain
