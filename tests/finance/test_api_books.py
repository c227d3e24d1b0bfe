"""The books through /api/v1/finance/: for finance roles only, scoped by company, written through the
services (manual journals, periods, the chart) and read as reports that state their pending events."""

from datetime import date
from decimal import Decimal

import pytest

from apps.finance.models import Account, FiscalYear, JournalEntry, JournalLine, ManualJournal, Period, PostingRule
from apps.inventory import services as stock
from tests.factories import CompanyFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/finance"
TODAY = date.today()


@pytest.fixture
def accountant(make_user, company):
    return make_user(username="accountant", roles=["accountant"], companies=[company])


@pytest.fixture
def outsider(make_user):
    return make_user(username="outsider", roles=["accountant"], companies=[CompanyFactory(code="OTHER")])


@pytest.fixture
def adjusted(books, admin_user, warehouse, location, item):
    """A posted adjustment adding 10 bolts at 3.00 (its event not yet drained)."""
    adjustment = stock.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening stock",
        document_date=TODAY,
        lines=[{"item": item, "location": location, "quantity": Decimal("10"), "unit_cost": Decimal("3")}],
    )
    return stock.post_adjustment(actor=admin_user, adjustment=adjustment)


def account(company, code) -> Account:
    return Account.objects.get(company=company, code=code)


def journal(company, *lines, description="bank deposit") -> dict:
    return {
        "company": company.pk,
        "document_date": TODAY.isoformat(),
        "description": description,
        "lines": [
            {"account": account(company, code).pk, side: amount, "description": f"{side} {code}"}
            for code, side, amount in lines
        ],
    }


def field_codes(response) -> dict[str, list[str]]:
    return {name: [error["code"] for error in errors] for name, errors in response.json()["error"]["fields"].items()}


# --- Journal entries: who may read them ---------------------------------------------------------


def test_journal_entries_show_their_lines_source_and_event_to_the_accountant_only(
    api_client, accountant, admin_user, outsider, make_user, company, warehouse, adjusted, drain_outbox
):
    drain_outbox()
    entry = JournalEntry.objects.get()
    keeper = make_user(username="keeper", roles=["warehouse_keeper"], companies=[company], warehouses=[warehouse])

    listed = api_client(accountant).get(f"{API}/journal-entries/", {"account": account(company, "1405").pk}).json()
    detail = api_client(accountant).get(f"{API}/journal-entries/{entry.pk}/").json()

    assert [row["id"] for row in listed["results"]] == [entry.pk]
    assert (detail["source_type"], detail["source_id"], detail["source_number"]) == (
        "inventory.stockadjustment",
        adjusted.pk,
        adjusted.number,
    )
    assert detail["event"] == entry.event_id
    assert {(line["account_detail"]["code"], line["debit"], line["credit"]) for line in detail["lines"]} == {
        ("1405", "30.00", "0.00"),
        ("1901", "0.00", "30.00"),
    }
    assert api_client(keeper).get(f"{API}/journal-entries/").status_code == 403
    assert api_client(keeper).get(f"{API}/journal-entries/{entry.pk}/").status_code == 403
    assert api_client(outsider).get(f"{API}/journal-entries/").json()["count"] == 0
    assert api_client(outsider).get(f"{API}/journal-entries/{entry.pk}/").status_code == 404
    assert api_client(admin_user).post(f"{API}/journal-entries/", {}).status_code == 405


# --- Manual journals ----------------------------------------------------------------------------


def test_an_unbalanced_manual_journal_is_refused_with_field_errors_and_nothing_written(api_client, accountant, books):
    client = api_client(accountant)

    unbalanced = client.post(
        f"{API}/manual-journals/", journal(books, ("1002", "debit", "100"), ("1001", "credit", "99.99"))
    )
    group = client.post(f"{API}/manual-journals/", journal(books, ("1002", "debit", "1"), ("2202", "credit", "1")))
    both_sides = client.post(
        f"{API}/manual-journals/",
        {
            **journal(books, ("1002", "debit", "5"), ("1001", "credit", "5")),
            "lines": [
                {"account": account(books, "1002").pk, "debit": "5", "credit": "5"},
                {"account": account(books, "1001").pk, "credit": "-5"},
            ],
        },
    )
    one_line = client.post(f"{API}/manual-journals/", journal(books, ("1002", "debit", "1")))
    cents = client.post(f"{API}/manual-journals/", journal(books, ("1002", "debit", "1.001"), ("1001", "credit", "1")))

    assert unbalanced.status_code == 400
    assert field_codes(unbalanced) == {"lines": ["invalid"]}
    assert "99.99" in unbalanced.json()["error"]["fields"]["lines"][0]["message"]
    assert field_codes(group) == {"lines.1.account": ["invalid"]}
    assert field_codes(both_sides) == {"lines.1.credit": ["min_value"]}
    assert field_codes(one_line) == {"lines": ["invalid"]}
    assert field_codes(cents) == {"lines.0.debit": ["max_decimal_places"]}
    assert ManualJournal.objects.count() == 0
    assert JournalEntry.objects.count() == 0


def test_a_manual_journal_is_drafted_edited_posted_and_reversed_by_cancelling(api_client, accountant, books):
    client = api_client(accountant)
    draft = client.post(f"{API}/manual-journals/", journal(books, ("1002", "debit", "100"), ("1001", "credit", "100")))
    assert draft.status_code == 201, draft.json()
    draft = draft.json()

    raised = [
        {**line, **{side: "120.00" for side in ("debit", "credit") if Decimal(line[side])}} for line in draft["lines"]
    ]
    edited = client.patch(f"{API}/manual-journals/{draft['id']}/", {"lines": raised})
    posted = client.post(f"{API}/manual-journals/{draft['id']}/post/")
    twice = client.post(f"{API}/manual-journals/{draft['id']}/post/")
    cancelled = client.post(f"{API}/manual-journals/{draft['id']}/cancel/", {"reason": "wrong bank"})

    assert edited.status_code == 200, edited.json()
    assert edited.json()["total"] == "120.00"
    assert [line["id"] for line in edited.json()["lines"]] == [line["id"] for line in draft["lines"]]
    assert posted.status_code == 200, posted.json()
    assert (posted.json()["status"], posted.json()["status_label"]) == ("posted", "Posted")
    entry = JournalEntry.objects.get(pk=posted.json()["journal_entry"])
    assert (entry.kind, entry.total, entry.source_number) == ("manual", Decimal("120.00"), draft["number"])
    assert twice.status_code == 409
    assert JournalEntry.objects.filter(kind="manual").count() == 1
    assert cancelled.json()["status"] == "cancelled"
    reversal = JournalEntry.objects.get(pk=cancelled.json()["reversal_entry"])
    assert reversal.reverses == entry
    balances = JournalLine.objects.filter(account=account(books, "1002")).values_list("debit", "credit")
    assert sorted(balances) == [(Decimal("0.00"), Decimal("120.00")), (Decimal("120.00"), Decimal("0.00"))]


# --- Periods ------------------------------------------------------------------------------------


def test_closing_a_period_refuses_postings_into_it_and_reopening_is_the_administrators(
    api_client, accountant, admin_user, books
):
    period = Period.objects.get(company=books, start_date__lte=TODAY, end_date__gte=TODAY)
    client = api_client(accountant)
    draft = client.post(
        f"{API}/manual-journals/", journal(books, ("1002", "debit", "50"), ("1001", "credit", "50"))
    ).json()

    closed = client.post(f"{API}/periods/{period.pk}/close/")
    refused = client.post(f"{API}/manual-journals/{draft['id']}/post/")
    not_allowed = client.post(f"{API}/periods/{period.pk}/reopen/", {"reason": "late invoice"})
    no_reason = api_client(admin_user).post(f"{API}/periods/{period.pk}/reopen/", {})
    reopened = api_client(admin_user).post(f"{API}/periods/{period.pk}/reopen/", {"reason": "late invoice"})

    assert closed.status_code == 200, closed.json()
    assert (closed.json()["status"], closed.json()["closed_by_detail"]["username"]) == ("closed", "accountant")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "period_closed"
    assert JournalEntry.objects.count() == 0
    assert ManualJournal.objects.get(pk=draft["id"]).status == "draft"
    assert not_allowed.status_code == 403
    assert field_codes(no_reason) == {"reason": ["required"]}
    assert reopened.json()["status"] == "open"
    history = client.get(f"{API}/periods/{period.pk}/history/").json()
    assert history[0]["reason"] == "Reopened: late invoice"
    assert history[0]["user"] == "admin"


def test_opening_a_fiscal_year_creates_its_twelve_periods_once(api_client, accountant, books):
    client = api_client(accountant)
    year = TODAY.year + 1

    opened = client.post(f"{API}/fiscal-years/", {"year": year})
    again = client.post(f"{API}/fiscal-years/", {"year": year})
    nonsense = client.post(f"{API}/fiscal-years/", {"year": 12})

    assert opened.status_code == 201, opened.json()
    assert [period["number"] for period in opened.json()["periods"]] == list(range(1, 13))
    assert opened.json()["start_date"] == f"{year}-01-01"
    assert again.status_code == 200
    assert again.json()["id"] == opened.json()["id"]
    assert field_codes(nonsense) == {"year": ["min_value"]}
    assert FiscalYear.objects.filter(company=books, year=year).count() == 1
    assert Period.objects.filter(company=books, fiscal_year__year=year).count() == 12


# --- Chart and rules ----------------------------------------------------------------------------


def test_accounts_are_a_tree_kept_through_the_service(api_client, accountant, outsider, books):
    client = api_client(accountant)
    payables = account(books, "2202")

    child = client.post(
        f"{API}/accounts/",
        {"code": "220203", "name": "应付账款-关联方", "account_type": "liability", "parent": payables.pk},
    )
    under_leaf = client.post(
        f"{API}/accounts/",
        {"code": "100201", "name": "Sub bank", "account_type": "asset", "parent": account(books, "1002").pk},
    )
    duplicate = client.post(f"{API}/accounts/", {"code": "1002", "name": "Bank again", "account_type": "asset"})
    foreign_parent = api_client(outsider).post(
        f"{API}/accounts/", {"code": "9", "name": "x", "account_type": "asset", "parent": payables.pk}
    )

    assert child.status_code == 201, child.json()
    body = child.json()
    assert (body["path"], body["depth"], body["parent_detail"]["code"]) == ("/2202/220203/", 2, "2202")
    assert field_codes(under_leaf) == {"parent": ["invalid"]}
    assert duplicate.status_code == 400
    assert field_codes(foreign_parent) == {"parent": ["does_not_exist"]}
    assert api_client(outsider).get(f"{API}/accounts/{payables.pk}/").status_code == 404
    renamed = client.patch(f"{API}/accounts/{body['id']}/", {"name": "应付账款-关联方往来"})
    assert renamed.json()["name"] == "应付账款-关联方往来"
    assert client.get(f"{API}/accounts/{body['id']}/history/").json()[0]["reason"] == "Edited"
    assert Account.objects.filter(company=books, code="1002").count() == 1


def test_a_posting_rule_for_one_warehouse_is_saved_once(api_client, accountant, books):
    east = WarehouseFactory(company=books, code="EAST")
    rule = {"role": "inventory", "warehouse": east.pk, "account": account(books, "1403").pk}
    client = api_client(accountant)

    created = client.post(f"{API}/posting-rules/", rule)
    duplicate = client.post(f"{API}/posting-rules/", rule)
    group_account = client.post(f"{API}/posting-rules/", {**rule, "account": account(books, "2202").pk})

    assert created.status_code == 201, created.json()
    assert (created.json()["role_label"], created.json()["account_detail"]["code"]) == ("Inventory", "1403")
    assert duplicate.status_code == 400
    assert field_codes(group_account) == {"account": ["invalid"]}
    assert PostingRule.objects.filter(company=books, warehouse=east).count() == 1


def test_a_chart_is_loaded_by_an_administrator_once(api_client, make_user, accountant):
    fresh = CompanyFactory(code="FRESH")
    administrator = make_user(username="chief", roles=["administrator"], companies=[fresh])

    loaded = api_client(administrator).post(f"{API}/charts/load/", {"company": fresh.pk, "template": "en"})
    again = api_client(administrator).post(f"{API}/charts/load/", {"company": fresh.pk, "template": "en"})
    unknown = api_client(administrator).post(f"{API}/charts/load/", {"company": fresh.pk, "template": "ifrs"})
    by_accountant = api_client(accountant).post(f"{API}/charts/load/", {"template": "cas"})

    assert loaded.status_code == 201, loaded.json()
    assert loaded.json()["accounts"] == Account.objects.filter(company=fresh).count() > 10
    assert loaded.json()["posting_rules"] == PostingRule.objects.filter(company=fresh).count() > 5
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "chart_exists"
    assert field_codes(unknown) == {"template": ["invalid_choice"]}
    assert by_accountant.status_code == 403


# --- Reports ------------------------------------------------------------------------------------


def test_the_trial_balance_sums_to_zero_and_states_what_is_not_yet_posted(
    api_client, accountant, books, adjusted, drain_outbox
):
    client = api_client(accountant)
    client.post(f"{API}/manual-journals/", journal(books, ("1002", "debit", "500"), ("4001", "credit", "500")))
    ManualJournal.objects.get()  # the draft does not count until posted
    pending = client.get(f"{API}/reports/trial-balance/").json()
    drain_outbox()
    posted = client.post(f"{API}/manual-journals/{ManualJournal.objects.get().pk}/post/")
    report = client.get(
        f"{API}/reports/trial-balance/", {"company": books.pk, "start": f"{TODAY.year}-01-01", "end": TODAY.isoformat()}
    ).json()

    assert pending["pending_events"] == 1
    assert pending["rows"] == []
    assert posted.status_code == 200
    assert report["pending_events"] == 0
    assert report["balanced"] is True
    assert report["total_debit"] == report["total_credit"] == "530.00"
    assert sum(Decimal(row["closing"]) for row in report["rows"]) == 0
    closing = {row["account"]["code"]: row["closing"] for row in report["rows"]}
    assert closing == {"1002": "500.00", "1405": "30.00", "1901": "-30.00", "4001": "-500.00"}


def test_the_general_ledger_opens_with_the_balance_before_the_range_and_runs_page_by_page(
    api_client, accountant, admin_user, books
):
    from apps.finance import services

    earlier = date(TODAY.year - 1, 12, 15)
    for on_date, amount in [(earlier, "100"), (TODAY, "20"), (TODAY, "5")]:
        services.post_manual_journal(
            actor=admin_user,
            journal=services.create_manual_journal(
                actor=admin_user,
                company=books,
                document_date=on_date,
                description="deposit",
                lines=[
                    {"account": account(books, "1002"), "debit": Decimal(amount)},
                    {"account": account(books, "1001"), "credit": Decimal(amount)},
                ],
            ),
        )
    client = api_client(accountant)
    query = {"account": account(books, "1002").pk, "start": f"{TODAY.year}-01-01", "page_size": 1}

    first = client.get(f"{API}/reports/general-ledger/", query).json()
    second = client.get(first["next"]).json()

    assert (first["opening_balance"], first["count"], first["pending_events"]) == ("100.00", 2, 0)
    assert [(line["debit"], line["running_balance"]) for line in first["results"] + second["results"]] == [
        ("20.00", "120.00"),
        ("5.00", "125.00"),
    ]
    assert first["results"][0]["source_type"] == "finance.manualjournal"
    assert first["results"][0]["entry_number"]


def test_profit_and_loss_and_balance_sheet_tell_the_same_story(api_client, accountant, admin_user, books):
    client = api_client(accountant)
    sale = client.post(f"{API}/manual-journals/", journal(books, ("1002", "debit", "800"), ("6001", "credit", "800")))
    client.post(f"{API}/manual-journals/{sale.json()['id']}/post/")

    profit = client.get(f"{API}/reports/profit-and-loss/").json()
    sheet = client.get(f"{API}/reports/balance-sheet/", {"as_of": TODAY.isoformat()}).json()

    assert (profit["income"]["total"], profit["expense"]["total"], profit["profit"]) == ("800.00", "0.00", "800.00")
    assert profit["income"]["rows"][0]["account"]["code"] == "6001"
    assert (sheet["assets"]["total"], sheet["unclosed_earnings"], sheet["total_equity"]) == (
        "800.00",
        "800.00",
        "800.00",
    )
    assert sheet["balanced"] is True
    assert sheet["pending_events"] == profit["pending_events"] == 0


def test_inventory_reconciles_with_its_accounts_once_the_outbox_drains(
    api_client, accountant, books, adjusted, drain_outbox
):
    client = api_client(accountant)

    before = client.get(f"{API}/reports/inventory-reconciliation/").json()
    drain_outbox()
    after = client.get(f"{API}/reports/inventory-reconciliation/", {"company": books.pk}).json()

    [row] = [row for row in before["rows"] if row["account"]["code"] == "1405"]
    assert (row["ledger_balance"], row["subledger_value"], row["difference"]) == ("0.00", "30.00", "-30.00")
    assert (before["pending_events"], before["balanced"]) == (1, False)
    assert {row["difference"] for row in after["rows"]} == {"0.00"}
    assert (after["pending_events"], after["balanced"]) == (0, True)


def test_reports_are_for_finance_roles_and_their_own_company(api_client, make_user, company, outsider, books):
    keeper = make_user(username="keeper", roles=["warehouse_keeper"], companies=[company])

    assert api_client(keeper).get(f"{API}/reports/trial-balance/").status_code == 403
    refused = api_client(outsider).get(f"{API}/reports/trial-balance/", {"company": books.pk})
    assert field_codes(refused) == {"company": ["does_not_exist"]}
    ledger = api_client(outsider).get(f"{API}/reports/general-ledger/", {"account": account(books, "1002").pk})
    assert field_codes(ledger) == {"account": ["does_not_exist"]}


def test_finance_lists_cost_the_same_queries_whatever_their_length(
    api_client, accountant, admin_user, books, django_assert_max_num_queries
):
    from apps.finance import services

    client = api_client(accountant)

    def post_journals(count: int) -> None:
        for _ in range(count):
            services.post_manual_journal(
                actor=admin_user,
                journal=services.create_manual_journal(
                    actor=admin_user,
                    company=books,
                    document_date=TODAY,
                    description="deposit",
                    lines=[
                        {"account": account(books, "1002"), "debit": Decimal("1")},
                        {"account": account(books, "1001"), "credit": Decimal("1")},
                    ],
                ),
            )

    post_journals(2)
    paths = ("journal-entries/", "manual-journals/", "accounts/", "periods/", "posting-rules/", "fiscal-years/")
    budgets = {}
    for path in paths:
        with django_assert_max_num_queries(12) as queries:
            client.get(f"{API}/{path}")
        budgets[path] = len(queries.captured_queries)
    post_journals(10)

    for path, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(f"{API}/{path}").status_code == 200
