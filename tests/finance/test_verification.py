"""verify_books: every invariant holds on books kept by the services, and each check fails, naming
itself and its figures, when the data is corrupted behind the services' back."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse

from apps.core import reconciliation
from apps.core.models import DocumentSequence, OutboxEvent
from apps.finance import services as finance
from apps.finance.models import Account, BooksVerification, JournalLine
from apps.finance.tasks import verify_books
from apps.finance.verification import verify_company
from apps.inventory.models import StockBalance
from apps.purchasing import selectors as purchasing_selectors
from apps.purchasing import services as purchasing
from apps.sales import selectors as sales_selectors
from apps.sales import services as sales
from apps.sales.models import CustomerInvoice
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()
CHECKS = ["entries_balanced", "trial_balance", "postings_traced", "stock_ledger", "stock_valuation", "gapless_numbers"]


@pytest.fixture
def trading(books, admin_user, warehouse, location, item):
    """Bought 50 bolts at 4.00 (billed, half paid), sold 20 at 10.00 in two invoices (one partly paid).

    Every document posted through its service; the events are left pending for the test to drain.
    """
    supplier = PartnerFactory(company=books, code="SUP", is_supplier=True, is_customer=False)
    customer = PartnerFactory(company=books, code="CUS", is_customer=True, is_supplier=False)
    order = purchasing.create_order(
        actor=admin_user,
        company=books,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        expected_date=TODAY,
        lines=[{"item": item, "quantity": Decimal("50"), "price": Decimal("4")}],
    )
    purchasing.confirm_order(actor=admin_user, order=order)
    receipt = purchasing.create_receipt(
        actor=admin_user,
        company=books,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"order_line": order.lines.get(), "quantity": Decimal("50"), "location": location}],
    )
    purchasing.post_receipt(actor=admin_user, receipt=receipt)
    bill = purchasing.create_bill(
        actor=admin_user,
        company=books,
        supplier=supplier,
        supplier_invoice_number="S-1",
        document_date=TODAY,
        lines=[
            {"receipt_line": line, "quantity": line.quantity}
            for line in purchasing_selectors.billable_receipt_lines(admin_user, supplier=supplier)
        ],
    )
    purchasing.post_bill(actor=admin_user, bill=bill)
    payment = purchasing.create_payment(
        actor=admin_user, company=books, supplier=supplier, document_date=TODAY, amount=Decimal("100")
    )
    purchasing.post_payment(actor=admin_user, payment=payment, allocations=[{"bill": bill, "amount": Decimal("100")}])
    sold = sales.create_order(
        actor=admin_user,
        company=books,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"item": item, "quantity": Decimal("20"), "price": Decimal("10")}],
    )
    sales.confirm_order(actor=admin_user, order=sold)
    invoices = []
    for quantity in (Decimal("12"), Decimal("8")):
        delivery = sales.create_delivery(
            actor=admin_user,
            order=sold,
            document_date=TODAY,
            lines=[{"order_line": sold.lines.get(), "quantity": quantity, "location": location}],
        )
        sales.post_delivery(actor=admin_user, delivery=delivery)
        invoice = sales.create_invoice(
            actor=admin_user,
            company=books,
            customer=customer,
            document_date=TODAY,
            lines=[
                {"delivery_line": line}
                for line in sales_selectors.delivery_lines_to_invoice(admin_user, customer=customer)
            ],
        )
        invoices.append(sales.post_invoice(actor=admin_user, invoice=invoice))
    cash = sales.create_receipt(
        actor=admin_user, company=books, customer=customer, document_date=TODAY, amount=Decimal("50")
    )
    sales.post_receipt(actor=admin_user, receipt=cash, allocations=[{"invoice": invoices[0], "amount": Decimal("50")}])
    return {"company": books, "invoices": invoices, "item": item, "location": location}


@pytest.fixture
def posted(trading, drain_outbox):
    drain_outbox()
    return trading


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_books", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> tuple[str, str]:
    """(what the command printed, its error) for books with a difference."""
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_books", *args, stdout=out)
    return out.getvalue(), str(failure.value)


def line_of(output: str, code: str) -> str:
    return next(line for line in output.splitlines() if f"] {code}:" in line)


def test_books_kept_by_the_services_pass_every_check(posted):
    output = verify()

    for code in [*CHECKS, "subledger_ap", "subledger_grni", "subledger_ar"]:
        assert "[ok" in line_of(output, code), output
    assert "debit=" in line_of(output, "trial_balance")
    assert "customer invoices=2" in line_of(output, "gapless_numbers")
    assert "ACME" in output and "0 events pending" in output
    run = BooksVerification.objects.get(company=posted["company"])
    assert run.passed and run.pending_events == 0
    assert {check["code"] for check in run.checks} >= {*CHECKS, "subledger_ap", "subledger_grni", "subledger_ar"}


def test_the_ar_and_ap_checks_compare_the_figures_of_both_sides(posted):
    checks = {check.code: check for check in verify_company(posted["company"]).checks}

    # 20 × 10.00 × 1.13 invoiced, 50.00 received; 50 × 4.00 × 1.13 billed, 100.00 paid; all billed.
    assert checks["subledger_ar"].figures == {"ledger": "176.00", "subledger": "176.00", "difference": "0.00"}
    assert checks["subledger_ap"].figures == {"ledger": "126.00", "subledger": "126.00", "difference": "0.00"}
    assert checks["subledger_grni"].figures["ledger"] == "0.00"


def test_pending_events_are_stated_and_drain_posts_them(trading):
    output, error = refused("--no-record")

    assert "events pending" in output and "rerun with --drain" in output
    assert "subledger_ar" in error

    output = verify("--drain")
    assert "drained" in output and "0 events pending" in output
    assert not OutboxEvent.objects.exclude(status=OutboxEvent.Status.DONE).exists()


def test_an_unbalanced_line_slipped_into_the_journal_fails_the_journal_checks(posted):
    line = JournalLine.objects.filter(company=posted["company"], debit__gt=0).order_by("id").first()
    with connection.cursor() as cursor:  # behind the services, with PostgreSQL's balance trigger off meanwhile
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the entries posted so far now, not at the end
            cursor.execute("SET session_replication_role = replica")  # then no trigger fires for the insert
        cursor.execute(
            "INSERT INTO finance_journalline (entry_id, company_id, account_id, period_id, entry_date, debit, credit,"
            " description) SELECT entry_id, company_id, account_id, period_id, entry_date, 5, 0, 'slipped in'"
            " FROM finance_journalline WHERE id = %s",
            [line.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")

    output, error = refused()

    assert "entries_balanced" in error and "trial_balance" in error
    assert "unbalanced=1" in line_of(output, "entries_balanced")
    assert f"{line.entry.number}: debit {line.entry.total + 5}, credit {line.entry.total}" in output
    assert "difference=5.00" in line_of(output, "trial_balance")
    assert not BooksVerification.objects.get(company=posted["company"]).passed


def test_a_changed_stock_balance_fails_the_stock_ledger_check(posted):
    StockBalance.objects.filter(item=posted["item"], location=posted["location"]).update(on_hand=F("on_hand") + 1)

    output, error = refused()

    assert "stock_ledger" in error and "stock_valuation" not in error
    assert (
        f"item {posted['item'].pk}, location {posted['location'].pk}, lot -: moves 30 / 120.00, balance 31 / 120.00"
        in (output)
    )


def test_a_stock_value_changed_behind_the_ledger_fails_the_valuation_check(posted):
    StockBalance.objects.filter(item=posted["item"]).update(value=F("value") + 7)

    output, error = refused()

    assert "stock_valuation" in error and "stock_ledger" in error
    assert "ledger 120.00, stock 127.00, difference -7.00" in output


def test_a_number_missing_from_the_invoice_sequence_fails_the_gapless_check(posted):
    second = posted["invoices"][1]
    year = second.document_date.year
    renumbered = second.number.rsplit("-", 1)[0] + "-00009"
    CustomerInvoice.objects.filter(pk=second.pk).update(number=renumbered)

    output, error = refused()

    assert "gapless_numbers" in error
    assert f"customer_invoice {year}: {second.number} is missing" in output
    assert f"customer_invoice {year}: {renumbered} is beyond the counter" in output


def test_a_number_taken_without_a_document_is_a_gap(posted):
    DocumentSequence.objects.filter(company=posted["company"], document_type="customer_invoice").update(
        last_value=F("last_value") + 1
    )

    _output, error = refused()

    assert "gapless_numbers" in error


def test_an_event_marked_done_without_its_journal_entry_fails_the_postings_check(trading, drain_outbox):
    skipped = OutboxEvent.objects.filter(kind__startswith="sales.invoice").order_by("id").first()
    OutboxEvent.objects.filter(pk=skipped.pk).update(status=OutboxEvent.Status.DONE)
    drain_outbox()

    output, error = refused()

    assert "postings_traced" in error and "subledger_ar" in error
    assert f"event {skipped.key} was handled but has no journal entry" in output


def test_a_manual_journal_on_the_receivables_account_fails_the_ar_check(posted, admin_user):
    company = posted["company"]
    journal = finance.create_manual_journal(
        actor=admin_user,
        company=company,
        document_date=TODAY,
        description="keyed around the invoices",
        lines=[
            {"account": Account.objects.get(company=company, code="1122"), "debit": Decimal("30.00")},
            {"account": Account.objects.get(company=company, code="1001"), "credit": Decimal("30.00")},
        ],
    )
    finance.post_manual_journal(actor=admin_user, journal=journal)

    output, error = refused()

    assert error.endswith("ACME: subledger_ar")
    assert "ledger=206.00, subledger=176.00, difference=30.00" in line_of(output, "subledger_ar")


def test_every_registered_subledger_is_checked(posted, monkeypatch):
    """A module registering a subledger (as production does for work in progress) is checked as is."""
    monkeypatch.setitem(
        reconciliation._subledgers,
        "bank",
        reconciliation.Subledger(
            role="bank", label="Bank statement", total=lambda company: Decimal("0"), credit_normal=False
        ),
    )

    output, error = refused("--no-record")

    assert "subledger_bank" in error
    assert "ledger=-50.00, subledger=0.00, difference=-50.00" in line_of(output, "subledger_bank")


def test_the_periodic_task_records_a_run_per_company(posted):
    assert verify_books.delay().get() == 0
    assert verify_books() == 0

    assert BooksVerification.objects.filter(company=posted["company"], passed=True).count() == 2
    assert settings.CELERY_BEAT_SCHEDULE["books-verification"]["task"] == "apps.finance.tasks.verify_books"


def test_the_staff_page_shows_the_latest_run_with_its_figures(posted, client, admin_user):
    StockBalance.objects.filter(item=posted["item"]).update(on_hand=F("on_hand") + 1)
    client.force_login(admin_user)

    response = client.post(reverse("finance:books-verification"), follow=True)

    page = response.content.decode()
    assert 'data-passed="false"' in page
    assert 'data-check="stock_ledger" class="table-danger"' in page
    assert "moves 30 / 120.00, balance 31 / 120.00" in page
    assert 'data-check="trial_balance">' in page


def test_the_staff_page_shows_only_companies_in_scope(posted, client, make_user):
    verify()
    outsider = make_user(username="outsider", roles=["accountant"])
    client.force_login(outsider)

    page = client.get(reverse("finance:books-verification")).content.decode()

    assert "ACME" not in page and "The books have not been verified yet." in page


def test_the_staff_page_needs_the_view_permission(posted, client, make_user):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[posted["company"]])
    client.force_login(clerk)

    assert client.get(reverse("finance:books-verification")).status_code == 403
