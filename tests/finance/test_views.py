"""The books in the browser: manual journals through the form into the trial balance and the general
ledger, periods closed and reopened, reports with their exports, scoping and query budgets."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.models import SecurityEvent
from apps.finance import services
from apps.finance.models import Account, JournalEntry, ManualJournal, Period, PostingRule
from apps.inventory import services as stock
from tests.factories import CompanyFactory, ItemCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant(make_user, books):
    return make_user(username="accountant", roles=["accountant"], companies=[books])


@pytest.fixture
def signed_in(client, accountant):
    client.force_login(accountant)
    return client


def account(company, code: str) -> Account:
    return Account.objects.get(company=company, code=code)


def journal_form(company, lines: list[dict], **fields) -> dict:
    """The manual-journal form as the browser posts it: header fields and the lines formset."""
    data = {
        "company": company.pk,
        "document_date": date.today().isoformat(),
        "description": "Cash paid into the bank",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for name in ("account", "debit", "credit", "partner", "description"):
            data[f"lines-{index}-{name}"] = line.get(name, "")
    return {**data, **fields}


def line(company, code: str, *, debit: str = "", credit: str = "", **fields) -> dict:
    return {"account": account(company, code).pk, "debit": debit, "credit": credit, **fields}


def post_journal(client, company, lines: list[dict], **fields) -> ManualJournal:
    """Create a journal through the form and post it with the page's Post button."""
    response = client.post(reverse("finance:manual-journal-create"), journal_form(company, lines, **fields))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    journal = ManualJournal.objects.latest("pk")
    assert response["Location"] == reverse("finance:manual-journal-detail", args=[journal.pk])
    client.post(reverse("finance:manual-journal-post", args=[journal.pk]))
    journal.refresh_from_db()
    return journal


def today_range() -> dict:
    today = date.today()
    return {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}


def adjust_stock(actor, company, warehouse, location, item, quantity: str, unit_cost: str | None = None):
    line = {"item": item, "location": location, "quantity": Decimal(quantity)}
    if unit_cost is not None:
        line["unit_cost"] = Decimal(unit_cost)
    draft = stock.create_adjustment(
        actor=actor, company=company, warehouse=warehouse, reason="count", document_date=date.today(), lines=[line]
    )
    return stock.post_adjustment(actor=actor, adjustment=draft)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- Manual journals -----------------------------------------------------------------------------


def test_journal_posted_through_the_form_is_in_the_trial_balance_and_the_ledger(signed_in, books):
    first = post_journal(signed_in, books, [line(books, "1002", debit="100.00"), line(books, "4001", credit="100.00")])
    second = post_journal(
        signed_in,
        books,
        [line(books, "1002", debit="50.50"), line(books, "1001", credit="50.50")],
        description="Petty cash to bank",
    )

    assert (first.status, second.status) == ("posted", "posted")
    trial = signed_in.get(reverse("finance:trial-balance"), {"company": books.pk, **today_range()})
    report = trial.context["report"]
    rows = {row.account.code: row for row, _url in report["rows"]}
    assert (rows["1002"].debit, rows["1002"].credit, rows["1002"].closing) == (
        Decimal("150.50"),
        Decimal("0.00"),
        Decimal("150.50"),
    )
    assert rows["4001"].closing == Decimal("-100.00") and rows["1001"].closing == Decimal("-50.50")
    assert report["trial"].total_debit == report["trial"].total_credit == Decimal("150.50")
    assert report["trial"].balanced
    content = trial.content.decode()
    assert 'id="balanced"' in content and "Not balanced" not in content
    assert "0 events not yet posted" in content

    ledger = signed_in.get(
        reverse("finance:general-ledger"), {"company": books.pk, "account": account(books, "1002").pk, **today_range()}
    )
    lines = list(ledger.context["page_obj"])
    assert [(item.entry.number, item.debit, item.running_balance) for item in lines] == [
        (first.journal_entry.number, Decimal("100.00"), Decimal("100.00")),
        (second.journal_entry.number, Decimal("50.50"), Decimal("150.50")),
    ]
    assert ledger.context["report"]["closing"] == Decimal("150.50")
    content = ledger.content.decode()
    assert f'href="{reverse("finance:journal-entry-detail", args=[first.journal_entry_id])}"' in content
    # each line's entry leads on to the manual journal it came from
    assert f'href="{reverse("finance:manual-journal-detail", args=[first.pk])}"' in content


def test_an_unbalanced_journal_shows_the_error_and_writes_nothing(signed_in, books):
    response = signed_in.post(
        reverse("finance:manual-journal-create"),
        journal_form(books, [line(books, "1002", debit="100.00"), line(books, "1001", credit="99.99")]),
    )

    assert response.status_code == 200
    assert "The entry is not balanced: debits 100.00, credits 99.99." in response.content.decode()
    assert ManualJournal.objects.count() == 0
    assert JournalEntry.objects.count() == 0


def test_a_line_refused_by_the_service_is_marked_on_its_row(signed_in, books):
    lines = [line(books, "1002", debit="10.00"), line(books, "1001"), line(books, "4001", credit="10.00")]

    response = signed_in.post(reverse("finance:manual-journal-create"), journal_form(books, lines))

    rows = response.context["formset"].forms
    assert rows[1].errors["debit"] == ["Enter either a debit or a credit, greater than zero."]
    assert not rows[0].errors and not rows[2].errors
    assert ManualJournal.objects.count() == 0


def test_unknown_partner_code_is_refused_on_its_row(signed_in, books):
    lines = [line(books, "1122", debit="5.00", partner="NOPE"), line(books, "6001", credit="5.00")]

    response = signed_in.post(reverse("finance:manual-journal-create"), journal_form(books, lines))

    assert response.context["formset"].forms[0].errors["partner"] == ["No partner of this company has the code NOPE."]
    assert ManualJournal.objects.count() == 0


def test_draft_is_edited_with_its_lines_then_cancelled_after_posting_with_a_reversal(signed_in, books):
    signed_in.post(
        reverse("finance:manual-journal-create"),
        journal_form(books, [line(books, "1002", debit="20.00"), line(books, "1001", credit="20.00")]),
    )
    journal = ManualJournal.objects.get()
    kept, dropped = journal.lines.order_by("id")
    edit = signed_in.get(reverse("finance:manual-journal-edit", args=[journal.pk]))
    assert edit.status_code == 200 and edit.context["formset"].initial_form_count() == 2

    data = journal_form(
        books,
        [
            {**line(books, "1002", debit="30.00"), "id": kept.pk},
            {**line(books, "1001", credit="20.00"), "id": dropped.pk, "DELETE": "on"},
            line(books, "4001", credit="30.00"),
        ],
        description="Capital paid in",
    )
    data.update({"lines-INITIAL_FORMS": "2", "lines-0-id": kept.pk, "lines-1-id": dropped.pk, "lines-1-DELETE": "on"})
    response = signed_in.post(reverse("finance:manual-journal-edit", args=[journal.pk]), data)

    assert response.status_code == 302
    journal.refresh_from_db()
    assert journal.description == "Capital paid in" and journal.total == Decimal("30.00")
    assert [
        (item.pk == kept.pk, item.account.code, item.debit, item.credit) for item in journal.lines.order_by("id")
    ] == [
        (True, "1002", Decimal("30.00"), Decimal("0.00")),
        (False, "4001", Decimal("0.00"), Decimal("30.00")),
    ]

    signed_in.post(reverse("finance:manual-journal-post", args=[journal.pk]))
    cancel = signed_in.post(reverse("finance:manual-journal-cancel", args=[journal.pk]), {"reason": "paid twice"})

    journal.refresh_from_db()
    assert cancel.status_code == 302 and journal.status == "cancelled"
    reversal = journal.reversal_entry
    assert reversal.reverses_id == journal.journal_entry_id
    page = signed_in.get(reverse("finance:manual-journal-detail", args=[journal.pk])).content.decode()
    assert reverse("finance:journal-entry-detail", args=[journal.journal_entry_id]) in page
    assert reverse("finance:journal-entry-detail", args=[reversal.pk]) in page
    entry_page = signed_in.get(reverse("finance:journal-entry-detail", args=[journal.journal_entry_id]))
    assert entry_page.context["reversed_by"] == reversal
    assert reverse("finance:manual-journal-detail", args=[journal.pk]) in entry_page.content.decode()
    history = signed_in.get(reverse("finance:manual-journal-detail", args=[journal.pk]), {"tab": "history"})
    assert [entry.reason for entry in history.context["history"]][:3] == ["paid twice", "Posted", "Edited"]


def test_posted_journal_cannot_be_edited(signed_in, books):
    journal = post_journal(signed_in, books, [line(books, "1002", debit="1.00"), line(books, "1001", credit="1.00")])

    response = signed_in.get(reverse("finance:manual-journal-edit", args=[journal.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("finance:manual-journal-detail", args=[journal.pk])


def test_journal_into_a_closed_period_is_refused_with_the_reason(signed_in, books, admin_user):
    today = date.today()
    services.close_period(actor=admin_user, period=Period.objects.get(company=books, start_date=today.replace(day=1)))
    signed_in.post(
        reverse("finance:manual-journal-create"),
        journal_form(books, [line(books, "1002", debit="1.00"), line(books, "1001", credit="1.00")]),
    )
    journal = ManualJournal.objects.get()

    response = signed_in.post(reverse("finance:manual-journal-post", args=[journal.pk]), follow=True)

    assert f"The period {today:%Y-%m} is closed" in response.content.decode()
    journal.refresh_from_db()
    assert journal.status == "draft" and JournalEntry.objects.count() == 0


def test_another_companys_journals_entries_and_accounts_are_not_found(client, make_user, books, admin_user):
    journal = post_journal_as(admin_user, books)
    other = CompanyFactory(code="OTHER")
    outsider = make_user(username="outsider", roles=["accountant"], companies=[other])
    client.force_login(outsider)

    pages = [
        reverse("finance:manual-journal-detail", args=[journal.pk]),
        reverse("finance:manual-journal-edit", args=[journal.pk]),
        reverse("finance:journal-entry-detail", args=[journal.journal_entry_id]),
        reverse("finance:account-detail", args=[account(books, "1002").pk]),
        reverse("finance:period-detail", args=[Period.objects.filter(company=books).first().pk]),
    ]
    assert [client.get(page).status_code for page in pages] == [404] * len(pages)
    assert client.post(reverse("finance:manual-journal-cancel", args=[journal.pk]), {"reason": "x"}).status_code == 404
    listed = client.get(reverse("finance:journal-entry-list"))
    assert list(listed.context["object_list"]) == []
    report = client.get(reverse("finance:trial-balance"), {"company": books.pk, **today_range()})
    assert report.context["report"] is None and "company" in report.context["form"].errors
    journal.refresh_from_db()
    assert journal.status == "posted"


def post_journal_as(user, company) -> ManualJournal:
    journal = services.create_manual_journal(
        actor=user,
        company=company,
        document_date=date.today(),
        description="deposit",
        lines=[
            {"account": account(company, "1002"), "debit": Decimal("10.00")},
            {"account": account(company, "1001"), "credit": Decimal("10.00")},
        ],
    )
    return services.post_manual_journal(actor=user, journal=journal)


def test_journal_pages_need_their_permission(client, make_user, books):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books])
    client.force_login(clerk)

    for name in ("finance:manual-journal-list", "finance:manual-journal-create", "finance:trial-balance"):
        assert client.get(reverse(name)).status_code == 403


# --- Periods -------------------------------------------------------------------------------------


def test_period_closed_then_reopened_with_a_reason_in_its_history(client, signed_in, books, admin_user, accountant):
    period = Period.objects.get(company=books, start_date=date(date.today().year - 1, 1, 1))

    closed = signed_in.post(reverse("finance:period-close", args=[period.pk]))
    period.refresh_from_db()
    assert closed.status_code == 302 and period.status == "closed" and period.closed_by == accountant

    refused = signed_in.post(reverse("finance:period-reopen", args=[period.pk]), {"reason": "late invoice"})
    period.refresh_from_db()
    assert refused.status_code == 403 and period.status == "closed"

    client.force_login(admin_user)
    client.post(reverse("finance:period-reopen", args=[period.pk]), {"reason": "late supplier invoice"})
    period.refresh_from_db()
    assert period.status == "open" and period.closed_by is None

    history = client.get(reverse("finance:period-detail", args=[period.pk]), {"tab": "history"})
    reasons = [(entry.user, entry.reason) for entry in history.context["history"]]
    assert reasons[:2] == [(str(admin_user), "Reopened: late supplier invoice"), (str(accountant), "Closed")]


def test_reopening_needs_a_reason(client, books, admin_user):
    period = Period.objects.get(company=books, start_date=date(date.today().year - 1, 2, 1))
    services.close_period(actor=admin_user, period=period)
    client.force_login(admin_user)

    response = client.post(reverse("finance:period-reopen", args=[period.pk]), {"reason": " "}, follow=True)

    assert "Say why the period is reopened." in response.content.decode()
    period.refresh_from_db()
    assert period.status == "closed"


def test_closing_is_refused_while_events_of_the_period_wait(signed_in, books, admin_user, warehouse, location, item):
    adjust_stock(admin_user, books, warehouse, location, item, "2", "5")
    period = Period.objects.get(company=books, start_date=date.today().replace(day=1))

    response = signed_in.post(reverse("finance:period-close", args=[period.pk]), follow=True)

    assert "1 events of this period are not posted yet" in response.content.decode()
    period.refresh_from_db()
    assert period.status == "open"


def test_period_list_shows_years_with_their_periods_and_actions(signed_in, books):
    response = signed_in.get(reverse("finance:period-list"))

    years = list(response.context["fiscal_years"])
    assert [year.year for year in years] == [date.today().year, date.today().year - 1]
    assert [period.number for period in years[0].periods.all()] == list(range(1, 13))
    content = response.content.decode()
    assert response.context["may_close"] and not response.context["may_reopen"]
    assert content.count('action="/finance/periods/') == 24  # every open period has its Close button


def test_open_fiscal_year_through_the_form(client, books, admin_user):
    client.force_login(admin_user)
    next_year = date.today().year + 1

    response = client.post(reverse("finance:fiscal-year-open"), {"company": books.pk, "year": next_year})

    assert response.status_code == 302
    assert Period.objects.filter(company=books, fiscal_year__year=next_year).count() == 12


# --- Chart of accounts and posting rules ----------------------------------------------------------


def test_chart_lists_the_tree_indented_and_exports(signed_in, books):
    response = signed_in.get(reverse("finance:account-list"), {"q": "2202"})

    rows = response.context["rows"]
    assert [(row.obj.code, row.cells[0].depth) for row in rows] == [("2202", 0), ("220201", 1), ("220202", 1)]

    exported = signed_in.get(reverse("finance:account-list"), {"q": "2202", "export": "csv"})
    assert [row[0] for row in csv_rows(exported)[1:]] == ["2202", "220201", "220202"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, detail__list="accounts").exists()


def test_account_created_under_a_group_and_its_detail_shows_balance_and_ledger(signed_in, books):
    response = signed_in.post(
        reverse("finance:account-create"),
        {
            "company": books.pk,
            "code": "100201",
            "name": "银行存款-工商银行",
            "account_type": "asset",
            "parent": account(books, "2202").pk,
            "active": "on",
        },
    )
    created = Account.objects.get(company=books, code="100201")
    assert response.status_code == 302
    assert created.parent.code == "2202" and created.path == "/2202/100201/"

    post_journal(signed_in, books, [line(books, "100201", debit="8.00"), line(books, "1001", credit="8.00")])
    detail = signed_in.get(reverse("finance:account-detail", args=[created.pk]))
    assert detail.context["balance"] == Decimal("8.00")
    assert reverse("finance:general-ledger") in detail.context["ledger_url"]
    group = signed_in.get(reverse("finance:account-detail", args=[account(books, "2202").pk]))
    assert group.context["balance"] == Decimal("8.00") and group.context["ledger_url"] == ""


def test_a_group_account_with_a_child_of_another_company_is_refused(signed_in, books, make_user):
    response = signed_in.post(
        reverse("finance:account-create"),
        {"company": books.pk, "code": "9999", "name": "Suspense", "account_type": "asset", "parent": "999999"},
    )

    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not Account.objects.filter(code="9999").exists()


def test_chart_template_is_loaded_by_an_administrator_only(client, signed_in, admin_user, books):
    new_company = CompanyFactory(code="NEWCO")
    assert signed_in.get(reverse("finance:load-chart")).status_code == 403

    client.force_login(admin_user)
    from guardian.shortcuts import assign_perm

    assign_perm("masterdata.access_company", admin_user, new_company)
    listed = client.get(reverse("finance:account-list"))
    assert listed.context["load_chart_url"] == reverse("finance:load-chart")
    response = client.post(reverse("finance:load-chart"), {"company": new_company.pk, "template": "en"})

    assert response.status_code == 302
    assert Account.objects.filter(company=new_company).count() > 20
    assert PostingRule.objects.get(company=new_company, role="inventory").account.code == "1210"
    again = client.post(reverse("finance:load-chart"), {"company": new_company.pk, "template": "en"})
    assert again.status_code == 200 and "company" in again.context["form"].errors


def test_posting_rules_are_grouped_by_role_and_a_category_rule_is_added(signed_in, books):
    category = ItemCategoryFactory(company=books, code="RAW", name="Raw materials")

    response = signed_in.post(
        reverse("finance:posting-rule-create"),
        {"company": books.pk, "role": "inventory", "item_category": category.pk, "account": account(books, "1403").pk},
    )

    assert response.status_code == 302
    listed = signed_in.get(reverse("finance:posting-rule-list"), {"role": "inventory"})
    ((label, rows),) = listed.context["groups"]
    assert label == "Inventory"
    assert [(row.obj.item_category, row.obj.account.code) for row in rows] == [(None, "1405"), (category, "1403")]
    assert "Every category" in listed.content.decode()
    everything = signed_in.get(reverse("finance:posting-rule-list"))
    assert [label for label, _rows in everything.context["groups"]][:3] == [
        "Inventory",
        "Inventory adjustment",
        "Goods received not invoiced",
    ]


def test_posting_rule_for_the_same_scope_twice_is_refused(signed_in, books):
    response = signed_in.post(
        reverse("finance:posting-rule-create"),
        {"company": books.pk, "role": "inventory", "account": account(books, "1403").pk},
    )

    assert response.status_code == 200 and response.context["form"].errors
    assert PostingRule.objects.get(company=books, role="inventory", item_category=None).account.code == "1405"


# --- Journal entries -----------------------------------------------------------------------------


def test_journal_entries_filter_by_account_and_show_their_source_document(
    signed_in, books, admin_user, warehouse, location, item, drain_outbox
):
    adjustment = adjust_stock(admin_user, books, warehouse, location, item, "4", "2.5")
    drain_outbox()
    post_journal(signed_in, books, [line(books, "1002", debit="3.00"), line(books, "1001", credit="3.00")])

    listed = signed_in.get(reverse("finance:journal-entry-list"), {"account": account(books, "1405").pk})
    (entry,) = listed.context["object_list"]
    assert entry.source_number == adjustment.number

    detail = signed_in.get(reverse("finance:journal-entry-detail", args=[entry.pk]))
    assert {(row.account.code, row.debit, row.credit) for row in detail.context["lines"]} == {
        ("1405", Decimal("10.00"), Decimal("0.00")),
        ("1901", Decimal("0.00"), Decimal("10.00")),
    }
    assert detail.context["lines"][0].warehouse == warehouse
    assert entry.event.kind in detail.content.decode()


# --- Reports -------------------------------------------------------------------------------------


def test_reports_state_pending_events_and_link_to_posting_errors(
    signed_in, books, admin_user, warehouse, location, item
):
    adjust_stock(admin_user, books, warehouse, location, item, "1", "1")

    for name in ("trial-balance", "profit-and-loss", "balance-sheet", "inventory-reconciliation"):
        response = signed_in.get(reverse(f"finance:{name}"))
        content = response.content.decode()
        assert response.context["pending_events"] == 1, name
        assert "1 event not yet posted" in content
        assert f'href="{reverse("posting-errors")}?company={books.pk}"' in content


def test_reconciliation_is_zero_after_draining_and_shows_a_manual_entry_on_inventory(
    signed_in, books, admin_user, warehouse, location, item, drain_outbox
):
    adjust_stock(admin_user, books, warehouse, location, item, "10", "3.5")
    drain_outbox()

    agreed = signed_in.get(reverse("finance:inventory-reconciliation"))
    rows = {row.account.code: row for row, _url in agreed.context["report"]["rows"]}
    assert (rows["1405"].ledger_balance, rows["1405"].subledger_value, rows["1405"].difference) == (
        Decimal("35.00"),
        Decimal("35.00"),
        Decimal("0.00"),
    )
    assert agreed.context["report"]["reconciled"] and 'id="reconciled"' in agreed.content.decode()

    post_journal(signed_in, books, [line(books, "1405", debit="12.00"), line(books, "1001", credit="12.00")])
    differs = signed_in.get(reverse("finance:inventory-reconciliation"))

    rows = {row.account.code: (row, url) for row, url in differs.context["report"]["rows"]}
    row, ledger_url = rows["1405"]
    assert row.difference == Decimal("12.00") and not differs.context["report"]["reconciled"]
    content = differs.content.decode()
    assert '<td class="text-end" data-difference>12.00</td>' in content
    assert ledger_url in content.replace("&amp;", "&")
    assert "Differences found" in content


def test_reconciliation_shows_the_last_periodic_check(signed_in, books):
    from apps.finance.tasks import record_reconciliation

    record_reconciliation(company=books)

    response = signed_in.get(reverse("finance:inventory-reconciliation"))

    assert response.context["report"]["last_run"].balanced
    assert "The periodic check has not run" not in response.content.decode()


def test_profit_and_loss_and_balance_sheet_agree(signed_in, books):
    post_journal(signed_in, books, [line(books, "1002", debit="500.00"), line(books, "4001", credit="500.00")])
    post_journal(signed_in, books, [line(books, "1122", debit="300.00"), line(books, "6001", credit="300.00")])
    post_journal(signed_in, books, [line(books, "6602", debit="120.00"), line(books, "1002", credit="120.00")])

    profit = signed_in.get(reverse("finance:profit-and-loss")).context["report"]
    sheet = signed_in.get(reverse("finance:balance-sheet")).context["report"]

    assert (profit["income"].total, profit["expense"].total, profit["profit"]) == (
        Decimal("300.00"),
        Decimal("120.00"),
        Decimal("180.00"),
    )
    assert sheet["assets"].total == Decimal("680.00")
    assert sheet["unclosed_earnings"] == Decimal("180.00") and sheet["total_equity"] == Decimal("680.00")
    assert sheet["balanced"]


def test_report_exports_are_files_and_security_events(signed_in, books, accountant):
    post_journal(signed_in, books, [line(books, "1002", debit="70.00"), line(books, "4001", credit="70.00")])

    workbook = signed_in.get(reverse("finance:trial-balance"), {"company": books.pk, **today_range(), "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Code", "Account", "Type"]
    assert ["1002", "银行存款", "Asset", 0, 70, 0, 70] in values
    assert values[-1][1:] == ["Total", None, 0, 70, 70, 0]

    ledger = signed_in.get(
        reverse("finance:general-ledger"),
        {"company": books.pk, "account": account(books, "1002").pk, **today_range(), "export": "csv"},
    )
    rows = csv_rows(ledger)
    assert rows[1][2] == "Opening balance" and rows[2][5:] == ["70.00", "0.00", "70.00"]

    logged = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, user=accountant)
    assert sorted(event.detail["list"] for event in logged) == ["general-ledger", "trial-balance"]


def test_trial_balance_of_a_chosen_period(signed_in, books):
    post_journal(signed_in, books, [line(books, "1002", debit="9.00"), line(books, "1001", credit="9.00")])
    last_year = Period.objects.get(company=books, start_date=date(date.today().year - 1, 6, 1))

    response = signed_in.get(reverse("finance:trial-balance"), {"company": books.pk, "period": last_year.pk})

    report = response.context["report"]
    assert (report["start"], report["end"]) == (last_year.start_date, last_year.end_date)
    assert report["rows"] == []


# --- Query budgets -------------------------------------------------------------------------------


def many_journals(user, company, count: int) -> None:
    for _index in range(count):
        post_journal_as(user, company)


@pytest.mark.parametrize(
    "name",
    [
        "finance:account-list",
        "finance:posting-rule-list",
        "finance:period-list",
        "finance:manual-journal-list",
        "finance:journal-entry-list",
        "finance:trial-balance",
        "finance:profit-and-loss",
        "finance:balance-sheet",
        "finance:inventory-reconciliation",
    ],
)
def test_list_and_report_pages_keep_their_query_budget(
    name, signed_in, books, admin_user, django_assert_max_num_queries
):
    many_journals(admin_user, books, 12)

    with django_assert_max_num_queries(17):  # 16, and the navigation's count of approvals waiting
        response = signed_in.get(reverse(name))

    assert response.status_code == 200


def test_general_ledger_page_keeps_its_query_budget(signed_in, books, admin_user, django_assert_max_num_queries):
    many_journals(admin_user, books, 30)
    query = {"company": books.pk, "account": account(books, "1002").pk, **today_range()}

    with django_assert_max_num_queries(22):
        response = signed_in.get(reverse("finance:general-ledger"), query)

    assert len(response.context["page_obj"]) == 30
