"""Stock as the API reads it: balances, the ledger, lots and the reports, each scoped by warehouse,
stating pending events where it shows value, with query budgets that ignore the number of rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from apps.inventory import services
from apps.inventory.models import StockBalance
from apps.inventory.services import ReservationRequest
from tests.factories import CompanyFactory, ItemCategoryFactory, ItemFactory, LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/inventory"
TODAY = date.today()
EARLIER = TODAY - timedelta(days=20)


@pytest.fixture
def keeper(make_user, company, warehouse):
    return make_user(username="keeper", roles=["warehouse_keeper"], companies=[company], warehouses=[warehouse])


@pytest.fixture
def east_bin(company):
    return LocationFactory(warehouse=WarehouseFactory(company=company, code="EAST"), code="E-01")


@pytest.fixture
def adjust(books, admin_user):
    """adjust(item, location, quantity, unit_cost=None, on=TODAY, lot="") -> a posted adjustment."""

    def post(item, location, quantity, unit_cost=None, on=TODAY, lot=""):
        line = {"item": item, "location": location, "quantity": Decimal(quantity), "lot_number": lot}
        if unit_cost is not None:
            line["unit_cost"] = Decimal(unit_cost)
        adjustment = services.create_adjustment(
            actor=admin_user,
            company=books,
            warehouse=location.warehouse,
            reason="test",
            document_date=on,
            lines=[line],
        )
        return services.post_adjustment(actor=admin_user, adjustment=adjustment)

    return post


def get(client, path: str, **params):
    response = client.get(f"{API}/{path}", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_balances_show_what_is_available_and_filter_by_place_and_item(
    api_client, keeper, admin_user, books, warehouse, location, other_location, item, adjust
):
    promised = adjust(item, location, "10", "2")
    adjust(item, other_location, "5", "2")
    with transaction.atomic():
        services.reserve(
            company=books,
            requests=[
                ReservationRequest(item=item, quantity=Decimal("3"), warehouse_id=warehouse.pk, location=location)
            ],
            source=promised,
            actor=admin_user,
        )
    client = api_client(keeper)

    [at_location] = get(client, "balances/", location=location.pk)["results"]
    everywhere = get(client, "balances/", warehouse=warehouse.pk, item=item.pk)["results"]

    assert (at_location["on_hand"], at_location["reserved"], at_location["available"]) == (
        "10.000000",
        "3.000000",
        "7.000000",
    )
    assert at_location["value"] == "20.00"
    assert at_location["location_detail"]["code"] == "A-01"
    assert sorted(row["on_hand"] for row in everywhere) == ["10.000000", "5.000000"]


def test_stock_on_hand_as_of_a_past_date_comes_from_the_ledger_and_only_from_visible_warehouses(
    api_client, keeper, books, location, item, adjust, east_bin
):
    adjust(item, location, "10", "3", on=EARLIER)
    adjust(item, location, "-4")
    adjust(item, east_bin, "7", "3", on=EARLIER)
    client = api_client(keeper)

    then = get(client, "reports/on-hand/", as_of=EARLIER.isoformat())
    now = get(client, "reports/on-hand/")
    before = get(client, "reports/on-hand/", as_of=(EARLIER - timedelta(days=1)).isoformat())

    assert [(row["location_detail"]["code"], row["on_hand"]) for row in then["results"]] == [("A-01", "10.000000")]
    assert [(row["item_detail"]["code"], row["on_hand"]) for row in now["results"]] == [("BOLT", "6.000000")]
    assert before["count"] == 0


def test_the_item_ledger_opens_with_the_balance_before_the_range_and_runs_page_by_page(
    api_client, keeper, admin_user, books, warehouse, location, other_location, item, adjust, drain_outbox
):
    adjust(item, location, "10", "3", on=EARLIER)
    adjust(item, location, "-4")
    transfer = services.create_transfer(
        actor=admin_user,
        company=books,
        from_warehouse=warehouse,
        to_warehouse=warehouse,
        document_date=TODAY,
        lines=[{"item": item, "from_location": location, "to_location": other_location, "quantity": Decimal("1")}],
    )
    services.complete_transfer(actor=admin_user, transfer=transfer)
    client = api_client(keeper)

    first = get(client, "reports/item-ledger/", item=item.pk, start=TODAY.isoformat(), page_size=1)
    second = client.get(first["next"]).json()
    drain_outbox()
    drained = get(client, "reports/item-ledger/", item=item.pk)

    assert (first["opening_quantity"], first["opening_value"], first["count"]) == ("10.000000", "30.00", 2)
    assert first["pending_events"] == 2
    [issue] = first["results"]
    assert (issue["quantity_change"], issue["value_change"], issue["running_quantity"], issue["running_value"]) == (
        "-4.000000",
        "-12.00",
        "6.000000",
        "18.00",
    )
    assert issue["source_type"] == "inventory.stockadjustment"
    [move_inside] = second["results"]
    assert (move_inside["kind"], move_inside["quantity_change"], move_inside["running_quantity"]) == (
        "transfer",
        "0.000000",
        "6.000000",
    )
    assert drained["pending_events"] == 0
    assert (drained["opening_quantity"], drained["count"]) == ("0.000000", 3)


def test_an_item_ledger_needs_an_item_and_a_sensible_range(api_client, keeper, item):
    client = api_client(keeper)

    missing = client.get(f"{API}/reports/item-ledger/")
    backwards = client.get(
        f"{API}/reports/item-ledger/", {"item": item.pk, "start": TODAY.isoformat(), "end": EARLIER.isoformat()}
    )

    assert missing.json()["error"]["fields"]["item"][0]["code"] == "required"
    assert backwards.json()["error"]["fields"]["end"][0]["code"] == "invalid"


def test_valuation_sums_by_category_and_warehouse_and_states_pending_events(
    api_client, make_user, company, books, location, item, adjust, drain_outbox
):
    item.category = ItemCategoryFactory(company=company, code="FAST", name="Fasteners")
    item.save()
    adjust(item, location, "10", "3")
    accountant = make_user(username="accountant", roles=["accountant"], companies=[company])
    client = api_client(accountant)

    pending = get(client, "reports/valuation/")
    drain_outbox()
    drained = get(client, "reports/valuation/", company=company.pk)
    elsewhere = client.get(f"{API}/reports/valuation/", {"company": CompanyFactory(code="OTHER").pk})

    assert [
        (row["category_name"], row["warehouse_code"], row["quantity"], row["value"]) for row in pending["rows"]
    ] == [("Fasteners", "MAIN", "10.000000", "30.00")]
    assert (pending["total_value"], pending["pending_events"]) == ("30.00", 1)
    assert drained["pending_events"] == 0
    assert elsewhere.status_code == 400
    assert elsewhere.json()["error"]["fields"]["company"][0]["code"] == "does_not_exist"


def test_items_below_their_reorder_point_come_with_a_suggested_quantity(api_client, keeper, company, location, adjust):
    low = ItemFactory(company=company, code="LOW", reorder_point=Decimal("20"), reorder_quantity=Decimal("50"))
    ItemFactory(company=company, code="FULL", reorder_point=Decimal("5"))
    adjust(low, location, "10", "1")

    rows = get(api_client(keeper), "reports/reorder/")["results"]

    assert [(row["code"], row["available"], row["suggested_quantity"]) for row in rows] == [
        ("FULL", "0.000000", "5.000000"),
        ("LOW", "10.000000", "50.000000"),
    ]


def test_a_lot_is_traced_from_its_receipt_to_its_issue(api_client, keeper, books, location, lot_item, adjust):
    adjust(lot_item, location, "5", "4", lot="L-2024-01")
    adjust(lot_item, location, "-2", lot="L-2024-01")
    client = api_client(keeper)

    [lot] = get(client, "lots/", item=lot_item.pk)["results"]
    trace = get(client, f"lots/{lot['id']}/trace/")
    history = get(client, f"lots/{lot['id']}/history/")

    assert lot["number"] == "L-2024-01"
    assert [(move["to_location"], move["from_location"], move["quantity"]) for move in trace["moves"]] == [
        (location.pk, None, "5.000000"),
        (None, location.pk, "2.000000"),
    ]
    assert trace["lot"]["id"] == lot["id"]
    assert history[0]["kind"] == "+"


def test_the_ledger_filters_by_kind_and_date_and_shows_the_source(api_client, keeper, books, location, item, adjust):
    adjust(item, location, "3", on=EARLIER)
    adjust(item, location, "2")
    client = api_client(keeper)

    recent = get(client, "moves/", date_from=TODAY.isoformat(), kind="adjustment")["results"]

    assert [(move["quantity"], move["source_type"], move["kind_label"]) for move in recent] == [
        ("2.000000", "inventory.stockadjustment", "Adjustment")
    ]
    assert recent[0]["to_location_detail"]["warehouse_code"] == "MAIN"


def test_reports_need_the_stock_permissions(api_client, make_user, company, warehouse, item):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[company], warehouses=[warehouse])
    client = api_client(clerk)

    assert client.get(f"{API}/reports/item-ledger/", {"item": item.pk}).status_code == 403
    assert client.get(f"{API}/reports/valuation/").status_code == 403
    assert client.get(f"{API}/balances/").status_code == 200


def test_stock_lists_and_reports_cost_the_same_queries_whatever_their_length(
    api_client, keeper, company, books, location, adjust, django_assert_max_num_queries
):
    client = api_client(keeper)

    def stock_items(count: int) -> None:
        for _ in range(count):
            adjust(ItemFactory(company=company, reorder_point=Decimal("100")), location, "1", "1")

    stock_items(2)
    budgets = {}
    for path in ("balances/", "moves/", "lots/", "reports/on-hand/", "reports/reorder/", "reports/valuation/"):
        with django_assert_max_num_queries(15) as queries:
            client.get(f"{API}/{path}")
        budgets[path] = len(queries.captured_queries)
    stock_items(10)

    for path, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(f"{API}/{path}").status_code == 200
    assert StockBalance.objects.count() == 12
