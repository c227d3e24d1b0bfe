"""The books' admin: journal and balances view-only, the chart and years saved through the services,
periods and manual journals moved only by actions calling the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from apps.finance import selectors, services
from apps.finance.models import (
    Account,
    AccountBalance,
    FiscalYear,
    JournalEntry,
    JournalLine,
    ManualJournal,
    ManualJournalLine,
    Period,
    PostingRule,
    ReconciliationRun,
)
from apps.finance.tasks import check_reconciliation

pytestmark = pytest.mark.django_db

LEDGERS = (JournalEntry, JournalLine, AccountBalance, ReconciliationRun)
WITH_HISTORY = (Account, PostingRule, FiscalYear, Period, ManualJournal, ManualJournalLine)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:finance_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(make_user):
    return make_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def site(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def journal(books, admin_user):
    """A draft manual journal: 100.00 from cash to the bank."""
    return services.create_manual_journal(
        actor=admin_user,
        company=books,
        document_date=date.today(),
        description="cash deposit",
        lines=[
            {"account": Account.objects.get(company=books, code="1002"), "debit": Decimal("100.00")},
            {"account": Account.objects.get(company=books, code="1001"), "credit": Decimal("100.00")},
        ],
    )


def this_period(company) -> Period:
    today = date.today()
    return Period.objects.get(company=company, start_date__lte=today, end_date__gte=today)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_every_model_is_registered_the_journal_read_only_and_the_rest_with_history(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    for model in (*LEDGERS, *WITH_HISTORY):
        assert model in admin.site._registry, model
    for model in LEDGERS:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
    for model in WITH_HISTORY:
        assert isinstance(admin.site._registry[model], SimpleHistoryAdmin), model
        assert not admin.site._registry[model].has_delete_permission(request), model
    assert not admin.site._registry[ManualJournal].has_add_permission(request)


def test_pages_render_and_the_journal_list_keeps_its_query_budget(
    site, books, journal, admin_user, django_assert_max_num_queries
):
    services.post_manual_journal(actor=admin_user, journal=journal)
    check_reconciliation()
    entry = JournalEntry.objects.get()

    for model in (*LEDGERS, *WITH_HISTORY):
        assert site.get(url(model, "changelist")).status_code == 200, model
    with django_assert_max_num_queries(16):
        listed = site.get(url(JournalLine, "changelist"))
    assert listed.context["cl"].result_count == 2
    page = site.get(url(JournalEntry, "change", entry.pk))
    assert page.status_code == 200 and "1002" in page.content.decode()
    assert site.get(url(ManualJournal, "history", journal.pk)).status_code == 200


def test_an_account_is_created_through_the_service_with_history(site, books, superuser):
    response = site.post(
        url(Account, "add"),
        {
            "company": books.pk,
            "code": "100201",
            "name": "招商银行 基本户",
            "account_type": Account.AccountType.ASSET,
            "active": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    account = Account.objects.get(company=books, code="100201")
    assert account.path.endswith("/100201/")
    assert account.history.get().history_user == superuser


def test_a_fiscal_year_is_opened_with_its_twelve_periods(site, books):
    response = site.post(url(FiscalYear, "add"), {"company": books.pk, "year": date.today().year + 1})

    assert response.status_code == 302
    year = FiscalYear.objects.get(company=books, year=date.today().year + 1)
    assert Period.objects.filter(fiscal_year=year, status=Period.Status.OPEN).count() == 12


def test_periods_close_and_reopen_only_through_the_actions_with_a_reason(site, books):
    period = this_period(books)
    changelist = url(Period, "changelist")

    site.post(changelist, {"action": "close", "_selected_action": [period.pk]})
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED

    refused = site.post(changelist, {"action": "reopen", "_selected_action": [period.pk], "reason": ""}, follow=True)
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED
    assert any("Say why" in message for message in messages_of(refused))

    site.post(changelist, {"action": "reopen", "_selected_action": [period.pk], "reason": "late supplier bill"})
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    assert period.history.first().history_change_reason == "Reopened: late supplier bill"


def test_reopening_needs_its_own_permission(client, make_user, books):
    accountant = make_user(username="acc", roles=["accountant"], companies=[books], is_staff=True)
    period = this_period(books)
    services.close_period(actor=accountant, period=period)
    client.force_login(accountant)

    page = client.get(url(Period, "changelist"))
    client.post(url(Period, "changelist"), {"action": "reopen", "_selected_action": [period.pk], "reason": "x"})

    assert [name for name, _label in page.context["action_form"].fields["action"].choices if name] == ["close"]
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED


def test_a_manual_journal_is_posted_and_cancelled_by_actions(site, books, journal):
    changelist = url(ManualJournal, "changelist")
    bank = Account.objects.get(company=books, code="1002")

    site.post(changelist, {"action": "post", "_selected_action": [journal.pk]})
    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.POSTED
    assert selectors.account_balance(account=bank, as_of=date.today()) == Decimal("100.00")

    site.post(changelist, {"action": "cancel", "_selected_action": [journal.pk], "reason": "wrong bank"})
    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.CANCELLED
    assert selectors.account_balance(account=bank, as_of=date.today()) == Decimal("0.00")
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.REVERSAL).count() == 1


def test_a_journal_entry_page_cannot_change_anything(site, books, journal, admin_user):
    services.post_manual_journal(actor=admin_user, journal=journal)
    entry = JournalEntry.objects.get()

    page = site.get(url(JournalEntry, "change", entry.pk))
    site.post(url(JournalEntry, "change", entry.pk), {"description": "edited"})
    site.post(url(JournalEntry, "delete", entry.pk), {"post": "yes"})

    assert page.context["has_change_permission"] is False
    entry.refresh_from_db()
    assert entry.description == "cash deposit"
