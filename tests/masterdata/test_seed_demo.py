from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from apps.approvals.models import ApprovalRule
from apps.approvals.selectors import waiting_for
from apps.core.models import OutboxEvent, User
from apps.core.roles import ROLES
from apps.finance import selectors as books
from apps.finance.models import Account, FiscalYear, JournalEntry, PostingRule
from apps.inventory.models import StockAdjustment, StockBalance, StockMove
from apps.masterdata import selectors
from apps.masterdata.management.commands.seed_demo import DEMO_PASSWORD, DEMO_URL, OPENING_STOCK, USERS
from apps.masterdata.models import Company, Item, ItemCategory, Location, Partner, UnitConversion, Warehouse
from apps.masterdata.validation import uscc_error
from apps.purchasing.models import PurchaseOrder
from apps.sales.models import CustomerInvoice, SalesOrder

pytestmark = pytest.mark.django_db
DEMO_USERNAMES = [user.username for user in USERS]


def seed() -> str:
    output = StringIO()
    call_command("seed_demo", "--force", stdout=output)
    return output.getvalue()


def test_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not get_user_model().objects.filter(username="admin").exists()


def row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: model._base_manager.count() for model in apps.get_models() if model._meta.db_table in tables
    }


def test_seed_demo_loads_one_company_with_its_people_places_items_and_partners():
    output = seed()

    company = Company.objects.get()
    assert (company.code, company.name, company.base_currency.code) == ("DEMO", "演示制造有限公司", "CNY")
    assert uscc_error(company.tax_id) is None
    assert Warehouse.objects.filter(company=company).count() == 3
    assert Location.objects.filter(kind=Location.Kind.ZONE).count() == 6
    assert Location.objects.filter(kind=Location.Kind.BIN, parent__kind=Location.Kind.ZONE).count() == 22
    assert ItemCategory.objects.get(code="RAW-STEEL").parent.code == "RAW"
    assert Item.objects.filter(company=company).count() == 50
    assert Partner.objects.filter(company=company).count() == 20
    demo_users = User.objects.filter(username__in=DEMO_USERNAMES)
    assert len(demo_users) == 7
    assert sorted(user.groups.get().name for user in demo_users) == sorted(ROLES)
    assert DEMO_URL in output
    assert all(username in output for username in DEMO_USERNAMES)


def test_second_run_writes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True) as second_run:
        output = seed()

    assert row_counts() == before
    assert second_run == []  # nothing posted, so nothing to dispatch
    assert "0 records created" in output


def test_the_demo_books_hold_the_opening_stock_and_reconcile(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed()

    company = Company.objects.get()
    this_year = date.today().year
    assert set(FiscalYear.objects.filter(company=company).values_list("year", flat=True)) == {this_year - 1, this_year}
    assert Account.objects.get(company=company, code="1403").name == "原材料"
    assert {
        rule.item_category.code: rule.account.code
        for rule in PostingRule.objects.filter(company=company, role="inventory").exclude(item_category=None)
    } == {"RAW": "1403", "RAW-STEEL": "1403", "RAW-ELEC": "1403", "FG": "1405", "PKG": "1411"}
    lines = sum(len(rows) for rows in OPENING_STOCK.values())
    assert lines >= 30
    assert StockAdjustment.objects.filter(status=StockAdjustment.Status.POSTED).count() == 3
    assert StockMove.objects.count() == lines + 3  # and two lines received, one delivered
    assert StockMove.objects.filter(item__lot_tracked=True, lot=None).count() == 0
    assert StockMove.objects.filter(lot__isnull=False).values("lot").distinct().count() == 12
    assert StockBalance.objects.values("warehouse").distinct().count() == 3
    assert not OutboxEvent.objects.exclude(status=OutboxEvent.Status.DONE).exists()
    # opening stock ×3, the receipt, the bill, the delivery, the invoice and the cash received
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.SYSTEM).count() == 8

    trial = books.trial_balance(company=company, start=date(this_year, 1, 1), end=date.today())
    assert trial.balanced and trial.pending_events == 0
    closing = {row.account.code: row.closing for row in trial.rows}
    assert closing["1901"] == Decimal("0.00")  # the stock's value went to paid-in capital
    opening_value = sum(adjustment.total_value for adjustment in StockAdjustment.objects.all())
    assert closing["4001"] == -opening_value
    rows, pending = books.inventory_reconciliation(company=company)
    assert pending == 0
    assert {row.account.code for row in rows} == {"1403", "1405", "1411"}
    assert all(row.difference == 0 and row.ledger_balance > 0 for row in rows)
    controls, pending = books.control_reconciliation(company=company)
    assert pending == 0 and controls and all(row.difference == 0 for row in controls)


def test_the_demo_trades_and_leaves_work_in_the_inbox():
    seed()

    assert dict(PurchaseOrder.objects.values_list("status", "base_total")) == {
        PurchaseOrder.Status.CLOSED: Decimal("15989.50"),  # 2 t × 4,900 + 1 t × 4,350, plus 13 % VAT
        PurchaseOrder.Status.PENDING_APPROVAL: Decimal("59890.00"),
    }
    approver = User.objects.get(username="approver")
    waiting = PurchaseOrder.objects.get(status=PurchaseOrder.Status.PENDING_APPROVAL)
    assert [request.object_id for request in waiting_for(approver)] == [waiting.pk]
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {"invoiced", "confirmed"}
    invoice = CustomerInvoice.objects.get()
    assert invoice.open_amount == invoice.base_total - Decimal("1000")
    assert ApprovalRule.objects.count() == 4

    seed()
    assert PurchaseOrder.objects.count() == 2 and ApprovalRule.objects.count() == 4


def test_items_cover_units_lots_barcodes_and_tax_rates():
    seed()

    relay = Item.objects.get(code="RM-EL-004")
    box = UnitConversion.objects.get(item=relay, from_unit=relay.purchase_unit)
    assert (relay.purchase_unit.code, relay.base_unit.code, box.factor) == ("BOX", "PCS", Decimal(24))
    assert Item.objects.filter(purchase_unit__code="BOX").count() >= 5
    assert Item.objects.filter(lot_tracked=True).count() >= 5
    assert {item.tax_rate.rate for item in Item.objects.select_related("tax_rate")} == {
        Decimal(13),
        Decimal(9),
        Decimal(6),
    }
    assert set(Item.objects.values_list("item_type", flat=True)) == set(Item.ItemType.values)
    barcodes = [code for code in Item.objects.values_list("barcode", flat=True) if code]
    assert barcodes and all(len(code) == 13 and code.isdigit() for code in barcodes)
    assert Item.history.filter(code="FG-001").get().history_user.username == "admin"


def test_partners_have_valid_tax_ids_owners_and_credit_limits():
    seed()

    partners = list(Partner.objects.prefetch_related("addresses", "contacts"))
    for partner in partners:
        if partner.tax_id_kind == Partner.TaxIdKind.USCC:
            assert uscc_error(partner.tax_id) is None, partner
        else:
            assert partner.tax_id, partner
        assert partner.addresses.all() and partner.contacts.all(), partner
    assert sum(partner.tax_id_kind == Partner.TaxIdKind.USCC for partner in partners) >= 19
    assert len({partner.tax_id for partner in partners}) == 20
    assert sum(partner.is_customer and partner.is_supplier for partner in partners) == 2
    assert all(partner.credit_limit for partner in partners if partner.is_customer)

    sales = User.objects.get(username="sales")
    owned = set(Partner.objects.filter(owner=sales).values_list("code", flat=True))
    assert owned and set(selectors.partners_visible_to(sales).values_list("code", flat=True)) == owned
    assert set(User.objects.get(username="approver").reports.values_list("username", flat=True)) >= {"sales", "buyer"}


def test_each_demo_user_signs_in_and_sees_its_scope(client):
    seed()

    for username in DEMO_USERNAMES:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    keeper = User.objects.get(username="warehouse")
    assert list(selectors.warehouses_visible_to(keeper).values_list("code", flat=True)) == ["SH01"]
    assert {location.warehouse.code for location in selectors.locations_visible_to(keeper)} == {"SH01"}
    assert selectors.warehouses_visible_to(User.objects.get(username="sales")).count() == 3
    assert selectors.companies_visible_to(keeper).get().code == "DEMO"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
