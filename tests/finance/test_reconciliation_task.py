"""The periodic reconciliation: stock valuation per inventory account against the ledger, kept as runs."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from apps.finance import services
from apps.finance.models import Account, ReconciliationRun
from apps.finance.tasks import check_reconciliation
from apps.inventory import services as stock
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(books, admin_user, warehouse, location, item):
    """12 units of `item` at 2.50 posted on the books' company; its event still pending."""
    draft = stock.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal("12"), "unit_cost": Decimal("2.5")}],
    )
    return stock.post_adjustment(actor=admin_user, adjustment=draft)


def test_after_the_outbox_drains_the_run_finds_no_difference(stocked, books, drain_outbox):
    drain_outbox()

    assert check_reconciliation.delay().get() == 0

    run = ReconciliationRun.objects.get(company=books)
    assert (run.balanced, run.pending_events, run.differences) == (True, 0, [])


def test_a_manual_journal_on_an_inventory_account_is_recorded_as_a_difference(stocked, books, admin_user, drain_outbox):
    drain_outbox()
    journal = services.create_manual_journal(
        actor=admin_user,
        company=books,
        document_date=date.today(),
        description="stock bought for cash, keyed in the journal",
        lines=[
            {"account": Account.objects.get(company=books, code="1405"), "debit": Decimal("100.00")},
            {"account": Account.objects.get(company=books, code="1001"), "credit": Decimal("100.00")},
        ],
    )
    services.post_manual_journal(actor=admin_user, journal=journal)

    assert check_reconciliation() == 1

    run = ReconciliationRun.objects.get(company=books)
    assert not run.balanced
    assert run.differences == [{"account": "1405", "ledger": "130.00", "subledger": "30.00", "difference": "100.00"}]


def test_events_not_yet_posted_are_counted_beside_the_difference_they_explain(stocked, books):
    check_reconciliation()

    run = ReconciliationRun.objects.get(company=books)
    assert run.pending_events == 1
    assert run.differences == [{"account": "1405", "ledger": "0.00", "subledger": "30.00", "difference": "-30.00"}]


def test_only_companies_with_a_chart_are_checked_and_each_check_is_kept(books, stocked, drain_outbox):
    without_books = CompanyFactory(code="NOBOOKS")
    drain_outbox()

    check_reconciliation()
    check_reconciliation()

    assert ReconciliationRun.objects.filter(company=books).count() == 2
    assert not ReconciliationRun.objects.filter(company=without_books).exists()


def test_the_check_is_on_the_beat_schedule():
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "apps.finance.tasks.check_reconciliation" in schedule
