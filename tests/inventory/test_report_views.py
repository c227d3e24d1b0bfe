"""The stock report pages in the browser: on hand now and as of a past day (from the ledger), the
ledger of an item with its running balance and value, valuation by category and warehouse, items
below their reorder point, a lot traced from its receipt to every issue, and XLSX exports."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.models import SecurityEvent
from apps.inventory import services
from apps.inventory.models import Lot
from tests.factories import ItemCategoryFactory, ItemFactory, LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

TODAY = date.today()
EARLIER = TODAY - timedelta(days=3)


@pytest.fixture
def keeper(make_user, books, warehouse):
    return make_user(username="keeper", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def east_bin(books):
    return LocationFactory(warehouse=WarehouseFactory(company=books, code="EAST"), code="E-01")


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def adjust(admin_user):
    """adjust(item, location, quantity, cost=None, on=today, lot=None): a posted adjustment."""

    def post(item, location, quantity, cost=None, *, on=TODAY, lot=None):
        line = {"item": item, "location": location, "quantity": Decimal(quantity)}
        if cost is not None:
            line["unit_cost"] = Decimal(cost)
        if lot is not None:
            line["lot_number"] = lot
        adjustment = services.create_adjustment(
            actor=admin_user,
            company=location.warehouse.company,
            warehouse=location.warehouse,
            reason="setup",
            document_date=on,
            lines=[line],
        )
        return services.post_adjustment(actor=admin_user, adjustment=adjustment)

    return post


def table(response) -> list[list]:
    return [[cell.value for cell in row["cells"]] for row in response.context["rows"]]


def workbook_rows(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_stock_on_hand_now_and_as_of_a_past_day_from_the_ledger(signed_in, keeper, location, east_bin, item, adjust):
    adjust(item, location, "10", "2", on=EARLIER)
    adjust(item, location, "-4", on=TODAY)
    adjust(item, east_bin, "7", "2", on=EARLIER)  # a warehouse the keeper may not see
    client = signed_in(keeper)

    now = client.get(reverse("inventory:stock-on-hand"))
    before = client.get(reverse("inventory:stock-on-hand"), {"as_of": (TODAY - timedelta(days=1)).isoformat()})
    earlier_still = client.get(reverse("inventory:stock-on-hand"), {"as_of": (EARLIER - timedelta(days=1)).isoformat()})

    assert [row[3:7] for row in table(now)] == [["", Decimal("6"), Decimal("0"), Decimal("6")]]
    assert table(before) == [[str(item), "MAIN", location.code, Decimal("10")]]
    assert earlier_still.status_code == 200 and table(earlier_still) == []  # an empty report still renders
    assert "0 rows" in earlier_still.content.decode()
    assert now.context["pending_postings"] == 3  # the company's events, none posted yet


def test_the_ledger_of_an_item_runs_its_balance_and_value_from_the_opening(signed_in, keeper, location, item, adjust):
    adjust(item, location, "10", "2", on=EARLIER)
    first_today = adjust(item, location, "5", "5", on=TODAY)
    adjust(item, location, "-3", on=TODAY)
    client = signed_in(keeper)

    page = client.get(reverse("inventory:item-ledger"), {"item": item.pk, "date_from": TODAY.isoformat()})

    assert dict(page.context["summary"]) == {"Opening balance": Decimal("10"), "Opening value": Decimal("20.00")}
    rows = table(page)
    assert [row[1] for row in rows] == [first_today.number, rows[1][1]]
    assert [(row[6], row[7], row[10], row[11]) for row in rows] == [
        (Decimal("5"), None, Decimal("15"), Decimal("45.00")),
        (None, Decimal("3"), Decimal("12"), Decimal("36.00")),
    ]
    assert page.context["rows"][0]["cells"][1].url == reverse("inventory:adjustment-detail", args=[first_today.pk])

    exported = workbook_rows(client.get(reverse("inventory:item-ledger"), {"item": item.pk, "export": "xlsx"}))
    assert exported[1][2] == "Opening balance"
    assert [row[10] for row in exported[2:]] == [10, 15, 12]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, user=keeper).exists()


def test_the_ledger_asks_for_an_item_first(signed_in, keeper):
    page = signed_in(keeper).get(reverse("inventory:item-ledger"))

    assert page.status_code == 200
    assert page.context["rows"] == [] and page.context["export_formats"] == ()
    assert "Choose an item to see its ledger." in page.content.decode()


def test_valuation_by_category_and_warehouse_with_subtotals_and_export(
    signed_in, admin_user, books, location, east_bin, adjust
):
    tools = ItemCategoryFactory(company=books, name="Tools")
    hammer = ItemFactory(company=books, code="HAMMER", category=tools)
    saw = ItemFactory(company=books, code="SAW", category=tools)
    adjust(hammer, location, "2", "10")
    adjust(saw, east_bin, "1", "30")
    client = signed_in(admin_user)

    page = client.get(reverse("inventory:valuation"), {"company": books.pk})

    rows = table(page)
    assert [(row[0], row[1].split()[0], row[3]) for row in rows] == [
        ("Tools", "EAST", Decimal("30.00")),
        ("Tools", "MAIN", Decimal("20.00")),
        ("Tools", "All", Decimal("50.00")),
    ]
    assert dict(page.context["summary"])["Total value"] == Decimal("50.00")
    only_main = client.get(reverse("inventory:valuation"), {"company": books.pk, "warehouse": location.warehouse.pk})
    assert [row[3] for row in table(only_main)] == [Decimal("20.00"), Decimal("20.00")]
    exported = workbook_rows(client.get(reverse("inventory:valuation"), {"company": books.pk, "export": "xlsx"}))
    assert exported[0] == ["Category", "Warehouse", "Quantity", "Value"]
    assert exported[-1][3] == 50


def test_items_below_their_reorder_point_with_the_suggested_quantity(signed_in, keeper, books, location, adjust):
    low = ItemFactory(company=books, code="LOW", reorder_point=Decimal("20"), reorder_quantity=Decimal("50"))
    ItemFactory(company=books, code="ENOUGH", reorder_point=Decimal("5"))
    stocked = ItemFactory(company=books, code="STOCKED", reorder_point=Decimal("5"))
    adjust(low, location, "10", "1")
    adjust(stocked, location, "8", "1")

    page = signed_in(keeper).get(reverse("inventory:reorder"), {"company": books.pk})

    assert [(row[0].split()[0], row[3], row[6]) for row in table(page)] == [
        ("ENOUGH", Decimal("0"), Decimal("5")),
        ("LOW", Decimal("10"), Decimal("50")),
    ]


def test_the_lot_page_traces_its_receipt_to_every_issue(signed_in, keeper, location, lot_item, adjust):
    receipt = adjust(lot_item, location, "5", "4", lot="L-01")
    first_issue = adjust(lot_item, location, "-2", lot="L-01")
    second_issue = adjust(lot_item, location, "-1", lot="L-01")
    lot = Lot.objects.get(item=lot_item, number="L-01")

    page = signed_in(keeper).get(reverse("inventory:lot-detail", args=[lot.pk]))

    trace = [
        (move.source_number, move.to_location_id, move.from_location_id, move.quantity)
        for move, _ in page.context["trace"]
    ]
    assert trace == [
        (receipt.number, location.pk, None, Decimal("5")),
        (first_issue.number, None, location.pk, Decimal("2")),
        (second_issue.number, None, location.pk, Decimal("1")),
    ]
    assert page.context["trace"][0][1] == reverse("inventory:adjustment-detail", args=[receipt.pk])
    assert [balance.on_hand for balance in page.context["balances"]] == [Decimal("2")]
    html = page.content.decode()
    assert receipt.number in html and second_issue.number in html


def test_reports_need_their_permissions(signed_in, make_user, books):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books])
    client = signed_in(clerk)

    assert client.get(reverse("inventory:item-ledger")).status_code == 403
    assert client.get(reverse("inventory:valuation")).status_code == 403
