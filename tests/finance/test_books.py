from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from apps.core.models import OutboxEvent
from apps.finance import selectors, services
from apps.finance.models import Account, JournalEntry, JournalLine, ManualJournal, Period
from apps.inventory import services as stock
from apps.inventory.models import StockMove

pytestmark = pytest.mark.django_db


def account(company, code):
    return Account.objects.get(company=company, code=code)


def test_unbalanced_manual_entry_is_refused_and_nothing_written(books, admin_user):
    with pytest.raises(ValidationError) as refused:
        services.create_manual_journal(
            actor=admin_user,
            company=books,
            document_date=date.today(),
            description="cash deposit",
            lines=[
                {"account": account(books, "1002"), "debit": Decimal("100.00")},
                {"account": account(books, "1001"), "credit": Decimal("99.99")},
            ],
        )
    assert "lines" in refused.value.message_dict
    assert ManualJournal.objects.count() == 0


def test_manual_journal_posts_then_reverses_on_cancel(books, admin_user):
    journal = services.create_manual_journal(
        actor=admin_user,
        company=books,
        document_date=date.today(),
        description="cash deposit",
        lines=[
            {"account": account(books, "1002"), "debit": Decimal("100.00")},
            {"account": account(books, "1001"), "credit": Decimal("100.00")},
        ],
    )
    services.post_manual_journal(actor=admin_user, journal=journal)
    assert selectors.account_balance(account=account(books, "1002"), as_of=date.today()) == Decimal("100.00")

    services.cancel_manual_journal(actor=admin_user, journal=journal, reason="wrong bank")

    assert selectors.account_balance(account=account(books, "1002"), as_of=date.today()) == Decimal("0.00")
    assert JournalEntry.objects.filter(kind="reversal").count() == 1


def test_posting_into_a_closed_period_is_refused(books, admin_user, warehouse, location, item):
    today = date.today()
    period = Period.objects.get(company=books, start_date__lte=today, end_date__gte=today)
    services.close_period(actor=admin_user, period=period)
    draft = stock.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="found",
        document_date=today,
        lines=[{"item": item, "location": location, "quantity": Decimal("3")}],
    )

    with pytest.raises(services.FinanceError) as refused:
        stock.post_adjustment(actor=admin_user, adjustment=draft)

    assert refused.value.code == "period_closed"
    assert StockMove.objects.count() == 0
    assert JournalLine.objects.count() == 0
    assert not OutboxEvent.objects.exists()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_manual_journal_into_a_closed_period_is_refused_and_stays_a_draft(books, admin_user):
    today = date.today()
    journal = services.create_manual_journal(
        actor=admin_user,
        company=books,
        document_date=today,
        description="cash deposit",
        lines=[
            {"account": account(books, "1002"), "debit": Decimal("100.00")},
            {"account": account(books, "1001"), "credit": Decimal("100.00")},
        ],
    )
    services.close_period(
        actor=admin_user, period=Period.objects.get(company=books, start_date__lte=today, end_date__gte=today)
    )

    with pytest.raises(services.FinanceError) as refused:
        services.post_manual_journal(actor=admin_user, journal=journal)

    assert refused.value.code == "period_closed"
    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.DRAFT
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()


@pytest.mark.postgres
def test_the_database_refuses_to_change_a_posted_journal_line(books, admin_user):
    journal = services.create_manual_journal(
        actor=admin_user,
        company=books,
        document_date=date.today(),
        description="cash deposit",
        lines=[
            {"account": account(books, "1002"), "debit": Decimal("100.00")},
            {"account": account(books, "1001"), "credit": Decimal("100.00")},
        ],
    )
    services.post_manual_journal(actor=admin_user, journal=journal)
    line = JournalLine.objects.get(debit=Decimal("100.00"))

    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE finance_journalline SET debit = 1 WHERE id = %s", [line.pk])

    assert JournalLine.objects.get(pk=line.pk).debit == Decimal("100.00")


def test_trial_balance_sums_to_zero_and_reconciles_after_stock_moves(
    books, admin_user, warehouse, location, other_location, item, drain_outbox
):
    receipt = stock.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal("3"), "unit_cost": Decimal("3.33")}],
    )
    stock.post_adjustment(actor=admin_user, adjustment=receipt)
    issue = stock.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="broken",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal("-1")}],
    )
    stock.post_adjustment(actor=admin_user, adjustment=issue)
    drain_outbox()

    today = date.today()
    trial = selectors.trial_balance(company=books, start=today.replace(day=1), end=today)
    assert trial.balanced and trial.pending_events == 0
    rows, pending = selectors.inventory_reconciliation(company=books)
    assert pending == 0
    assert all(row.difference == 0 for row in rows)
    assert {row.account.code: row.ledger_balance for row in rows}["1405"] == Decimal("6.66")


def test_stock_refused_without_an_open_period(company, admin_user, warehouse, location, item):
    draft = stock.create_adjustment(
        actor=admin_user,
        company=company,
        warehouse=warehouse,
        reason="found",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal("3")}],
    )
    with pytest.raises(services.FinanceError) as refused:
        stock.post_adjustment(actor=admin_user, adjustment=draft)
    assert refused.value.code == "no_period"
