"""Sales through /api/v1/sales/: an online shop pushing orders with Idempotency-Key, confirmation
reserving stock or waiting for approval, deliveries, invoices and receipts through the services,
scoping by customer and warehouse, and hostile input refused whole."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRule
from apps.core.models import DocumentSequence
from apps.inventory import services as inventory
from apps.inventory.models import StockBalance
from apps.sales import services
from apps.sales.models import CustomerInvoice, Delivery, PriceList, SalesOrder, SalesOrderLine
from tests.factories import CompanyFactory, ItemFactory, LocationFactory, PartnerFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/sales"
TODAY = date.today()


def url(resource: str, pk: int | None = None, action: str = "") -> str:
    path = f"{API}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{action}/" if action else "")


def field_codes(response) -> dict[str, list[str]]:
    return {name: [error["code"] for error in errors] for name, errors in response.json()["error"]["fields"].items()}


@pytest.fixture
def clerk(make_user, books, customer):
    """A salesperson who serves the customer."""
    user = make_user(username="clerk", roles=["sales_clerk"], companies=[books], partners=[customer])
    customer.owner = user
    customer.save()
    return user


@pytest.fixture
def keeper(make_user, books, warehouse):
    return make_user(username="keeper", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def accountant(make_user, books):
    return make_user(username="accountant", roles=["accountant"], companies=[books])


def order_body(company, customer, warehouse, *lines, **extra) -> dict:
    return {
        "company": company.pk,
        "customer": customer.pk,
        "warehouse": warehouse.pk,
        "document_date": TODAY.isoformat(),
        "lines": list(lines),
        **extra,
    }


def reserved(item) -> Decimal:
    return sum((balance.reserved for balance in StockBalance.objects.filter(item=item)), Decimal(0))


# --- Orders -------------------------------------------------------------------------------------


def test_an_order_pushed_twice_with_the_same_key_creates_one_order(api_client, clerk, books, customer, warehouse, item):
    client = api_client(clerk)
    body = order_body(books, customer, warehouse, {"item": item.pk, "quantity": "3", "price": "10"})

    first = client.post(url("orders"), body, headers={"Idempotency-Key": "shop-order-1001"})
    again = client.post(url("orders"), body, headers={"Idempotency-Key": "shop-order-1001"})
    other_body = client.post(
        url("orders"), {**body, "customer_reference": "x"}, headers={"Idempotency-Key": "shop-order-1001"}
    )

    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 409
    assert SalesOrder.objects.count() == 1
    created = first.json()
    assert (created["status"], created["total"], created["customer"]) == ("draft", "33.90", customer.pk)
    assert created["number"].startswith("SO")
    assert created["salesperson_detail"]["username"] == "clerk"
    assert created["lines"][0]["net_amount"] == "30.00" and created["lines"][0]["tax_amount"] == "3.90"


def test_the_price_defaults_from_the_customers_price_list_with_quantity_breaks(
    api_client, clerk, admin_user, books, customer, warehouse, item
):
    services.save_price_list(
        actor=admin_user,
        company=books,
        name="Harbour prices",
        currency=books.base_currency,
        customer=customer,
        lines=[
            {"item": item, "min_quantity": Decimal("0"), "price": Decimal("9")},
            {"item": item, "min_quantity": Decimal("10"), "price": Decimal("8")},
        ],
    )
    client = api_client(clerk)

    small = client.post(url("orders"), order_body(books, customer, warehouse, {"item": item.pk, "quantity": "2"}))
    large = client.post(url("orders"), order_body(books, customer, warehouse, {"item": item.pk, "quantity": "12"}))
    price = client.get(url("orders", action="price"), {"customer": customer.pk, "item": item.pk, "quantity": "10"})

    assert small.json()["lines"][0]["price"] == "9.000000"
    assert large.json()["lines"][0]["price"] == "8.000000"
    assert large.json()["subtotal"] == "96.00"
    assert price.json() == {"price": "8.000000", "floor": None, "source": "Harbour prices"}


def test_confirming_through_the_api_reserves_stock(api_client, clerk, books, customer, warehouse, item, stock):
    client = api_client(clerk)
    created = client.post(url("orders"), order_body(books, customer, warehouse, {"item": item.pk, "quantity": "5"}))

    confirmed = client.post(url("orders", created.json()["id"], "confirm"))

    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert body["status"] == "confirmed"
    assert body["lines"][0]["reserved_quantity"] == "5.000000"
    assert body["credit_check"]["exceeded"] is False
    assert reserved(item) == Decimal("5")
    availability = client.get(url("orders", action="availability"), {"warehouse": warehouse.pk, "items": str(item.pk)})
    assert availability.json() == {"warehouse": warehouse.pk, "items": [{"item": item.pk, "available": "15.000000"}]}


def test_an_order_over_the_credit_limit_waits_for_approval_and_reserves_nothing(
    api_client, clerk, make_user, admin_user, books, customer, warehouse, item, stock
):
    manager = make_user(username="manager", roles=["approver"], companies=[books], partners=[customer])
    approvals.save_rule(
        actor=admin_user,
        rule=ApprovalRule(company=books, document_type="sales.salesorder", name="credit", credit_limit_exceeded=True),
        steps=[{"kind": "user", "user": manager}],
    )
    client = api_client(clerk)
    created = client.post(
        url("orders"), order_body(books, customer, warehouse, {"item": item.pk, "quantity": "10", "price": "100"})
    )
    credit = client.get(url("orders", action="credit"), {"customer": customer.pk, "adding": created.json()["total"]})

    confirmed = client.post(url("orders", created.json()["id"], "confirm"))

    assert credit.json()["exceeded"] is True and credit.json()["limit"] == "1000.00"
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "pending_approval"
    assert confirmed.json()["credit_check"]["exposure"] == "1130.00"
    assert reserved(item) == Decimal("0")


def test_an_order_over_the_limit_without_an_approval_rule_is_refused(
    api_client, clerk, books, customer, warehouse, item, stock
):
    client = api_client(clerk)
    created = client.post(
        url("orders"), order_body(books, customer, warehouse, {"item": item.pk, "quantity": "10", "price": "100"})
    )

    refused = client.post(url("orders", created.json()["id"], "confirm"))

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "approval_required"
    assert SalesOrder.objects.get().status == "draft"


def test_a_draft_order_is_edited_under_if_match_and_cancelled_with_a_reason(
    api_client, clerk, books, customer, warehouse, item
):
    client = api_client(clerk)
    created = client.post(
        url("orders"), order_body(books, customer, warehouse, {"item": item.pk, "quantity": "1", "price": "10"})
    ).json()
    etag = client.get(url("orders", created["id"])).headers["ETag"]
    line_id = created["lines"][0]["id"]

    changed = client.patch(
        url("orders", created["id"]),
        {"lines": [{"id": line_id, "item": item.pk, "quantity": "4", "price": "10"}], "note": "rush"},
        headers={"If-Match": etag},
    )
    stale = client.patch(url("orders", created["id"]), {"note": "late"}, headers={"If-Match": etag})
    no_reason = client.post(url("orders", created["id"], "cancel"), {})
    cancelled = client.post(url("orders", created["id"], "cancel"), {"reason": "customer changed mind"})

    assert changed.status_code == 200, changed.json()
    assert [(line["id"], line["quantity"]) for line in changed.json()["lines"]] == [(line_id, "4.000000")]
    assert changed.json()["total"] == "45.20"
    assert stale.status_code == 412
    assert field_codes(no_reason) == {"reason": ["required"]}
    assert cancelled.json()["status"] == "cancelled"
    history = client.get(url("orders", created["id"], "history")).json()
    assert [entry["reason"] for entry in history][:1] == ["customer changed mind"]
    assert history[-1]["reason"] == "Created"


def test_an_order_pushed_and_confirmed_with_a_token_answers_as_it_reads_and_keeps_its_query_budget(
    clerk, books, customer, warehouse, item, stock, django_assert_max_num_queries
):
    items = [item, *(ItemFactory(company=books, code=f"PART-{n}", name=f"Part {n}") for n in range(4))]
    client = APIClient(HTTP_AUTHORIZATION="Token " + AuthToken.objects.create(clerk)[1])
    body = order_body(books, customer, warehouse, *({"item": line.pk, "quantity": "1"} for line in items))
    warm_up = client.post(url("orders"), body, headers={"Idempotency-Key": "warm-up"})  # first-use caches
    client.post(url("orders", warm_up.json()["id"], "confirm"))

    # Each: the token, the user's permissions, the companies, warehouses and partners granted to the user
    # (one query for all three), the idempotency record, the service, the order read back with its lines.
    # Creating adds the scoped company, customer, warehouse and items (one query for all the lines), the
    # price lists of all the items in one query, and the lines with their history in two; confirming, the
    # scoped order and the customer's credit position. The idempotency claim is written in the request's
    # transaction by one insert that skips a key already taken, so it needs no savepoint of its own.
    with django_assert_max_num_queries(22):
        created = client.post(url("orders"), body, headers={"Idempotency-Key": "shop-order-5"})
    with django_assert_max_num_queries(33):
        confirmed = client.post(url("orders", created.json()["id"], "confirm"), headers={"Idempotency-Key": "c-5"})

    assert created.status_code == 201, created.json()
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "confirmed"
    assert [line["item"] for line in created.json()["lines"]] == [line.pk for line in items]
    assert confirmed.json() == client.get(url("orders", created.json()["id"])).json()


@pytest.mark.parametrize("lines", [1, 6])
def test_the_items_of_an_orders_lines_are_read_in_one_query(api_client, clerk, books, customer, warehouse, lines):
    items = [ItemFactory(company=books, code=f"PART-{n}", name=f"Part {n}") for n in range(lines)]
    body = order_body(books, customer, warehouse, *({"item": line.pk, "quantity": "2"} for line in items))

    with CaptureQueriesContext(connection) as queries:
        created = api_client(clerk).post(url("orders"), body)

    assert created.status_code == 201, created.json()
    item_reads = [query for query in queries if query["sql"].startswith('SELECT "masterdata_item"."id"')]
    assert len(item_reads) == 1


# --- Hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": "-5"}, "lines.0.quantity"),
        ({"quantity": "0"}, "lines.0.quantity"),
        ({"quantity": "lots"}, "lines.0.quantity"),
        ({"price": "-1"}, "lines.0.price"),
        ({"discount_percent": "150"}, "lines.0.discount_percent"),
        ({"item": "DROP TABLE"}, "lines.0.item"),
        ({"item": 999999}, "lines.0.item"),
    ],
)
def test_a_malformed_line_is_refused_whole_and_writes_nothing(
    api_client, admin_user, books, customer, warehouse, item, line, field
):
    sequences = DocumentSequence.objects.count()
    body = order_body(
        books,
        customer,
        warehouse,
        {"item": item.pk, "quantity": "1", "price": "5"},
        {"item": item.pk, "quantity": "1", "price": "5"},
    )
    body["lines"][0].update(line)

    refused = api_client(admin_user).post(url("orders"), body, headers={"Idempotency-Key": f"bad-{field}-{line}"})

    assert refused.status_code == 400, refused.json()
    assert refused.json()["error"]["code"] == "validation_error"
    assert field in refused.json()["error"]["fields"]
    assert SalesOrder.objects.count() == SalesOrderLine.objects.count() == 0
    assert DocumentSequence.objects.count() == sequences


@pytest.mark.parametrize(("named", "code"), [("foreign", "does_not_exist"), (True, "incorrect_type")])
def test_a_line_naming_an_item_out_of_reach_is_refused_at_its_place(
    api_client, clerk, books, customer, warehouse, item, named, code
):
    if named == "foreign":
        named = ItemFactory(company=CompanyFactory(code="OTHER", name="Other Co."), code="FOREIGN", name="Far").pk
    good = {"item": item.pk, "quantity": "1"}

    refused = api_client(clerk).post(
        url("orders"), order_body(books, customer, warehouse, good, {"item": named, "quantity": "1"}, good)
    )

    assert refused.status_code == 400
    assert field_codes(refused) == {"lines.1.item": [code]}
    assert SalesOrder.objects.count() == 0


def test_an_item_or_customer_of_another_company_is_refused(api_client, admin_user, books, customer, warehouse, item):
    other = CompanyFactory(code="OTHER", name="Other Co.")
    foreign_item = ItemFactory(company=other, code="FOREIGN", name="Foreign part")
    foreign_customer = PartnerFactory(company=other, code="FC", name="Foreign buyer", is_customer=True)
    client = api_client(admin_user)

    wrong_item = client.post(
        url("orders"), order_body(books, customer, warehouse, {"item": foreign_item.pk, "quantity": "1"})
    )
    wrong_customer = client.post(
        url("orders"), order_body(books, foreign_customer, warehouse, {"item": item.pk, "quantity": "1"})
    )

    assert wrong_item.status_code == 400 and "lines.0.item" in wrong_item.json()["error"]["fields"]
    assert wrong_customer.status_code == 400 and "customer" in wrong_customer.json()["error"]["fields"]
    assert SalesOrder.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"company": "acme", "customer": [1], "warehouse": {"id": 1}, "document_date": "yesterday", "lines": "all"},
        {"lines": [{"item": None, "quantity": None}]},
        {"lines": []},
        [1, 2, 3],
    ],
)
def test_garbage_payloads_get_400_and_write_nothing(api_client, clerk, books, body):
    refused = api_client(clerk).post(url("orders"), body, format="json")

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] in {"validation_error", "parse_error", "invalid"}
    assert SalesOrder.objects.count() == 0


# --- Scoping ------------------------------------------------------------------------------------


def test_a_salesperson_gets_404_on_another_salespersons_customers_order(
    api_client, clerk, make_user, admin_user, books, customer, warehouse, item
):
    rival_customer = PartnerFactory(company=books, code="CUS2", name="Rival Co.", is_customer=True)
    rival = make_user(username="rival", roles=["sales_clerk"], companies=[books], partners=[rival_customer])
    theirs = services.create_order(
        actor=admin_user,
        company=books,
        customer=rival_customer,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"item": item, "quantity": Decimal("1"), "price": Decimal("1")}],
    )
    client = api_client(clerk)

    read = client.get(url("orders", theirs.pk))
    confirm = client.post(url("orders", theirs.pk, "confirm"))
    history = client.get(url("orders", theirs.pk, "history"))
    listed = client.get(url("orders"))
    ordered_for_them = client.post(
        url("orders"), order_body(books, rival_customer, warehouse, {"item": item.pk, "quantity": "1"})
    )

    assert read.status_code == confirm.status_code == history.status_code == 404
    assert listed.json()["count"] == 0
    assert field_codes(ordered_for_them) == {"customer": ["does_not_exist"]}
    assert SalesOrder.objects.get().status == "draft"
    assert api_client(rival).get(url("orders", theirs.pk)).status_code == 200


# --- Availability -------------------------------------------------------------------------------


@pytest.mark.parametrize("locations", [2, 20])
def test_availability_costs_the_same_queries_whatever_the_number_of_locations(
    api_client, clerk, admin_user, books, warehouse, item, lot_item, django_assert_max_num_queries, locations
):
    bins = [LocationFactory(warehouse=warehouse, code=f"B-{number:02}") for number in range(locations)]
    adjustment = inventory.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=TODAY,
        lines=[{"item": item, "location": bin, "quantity": Decimal("2"), "unit_cost": Decimal("1")} for bin in bins],
    )
    inventory.post_adjustment(actor=admin_user, adjustment=adjustment)
    client = api_client(clerk)
    query = {"warehouse": warehouse.pk, "items": f"{item.pk},{lot_item.pk}"}
    client.get(url("orders", action="availability"), query)  # warm the permission caches of the first request

    with django_assert_max_num_queries(8):
        answer = client.get(url("orders", action="availability"), query)

    assert answer.json()["items"] == [
        {"item": item.pk, "available": f"{2 * locations}.000000"},
        {"item": lot_item.pk, "available": "0.000000"},
    ]


# --- Deliveries, invoices, receipts, returns ----------------------------------------------------


@pytest.fixture
def confirmed_order(admin_user, books, customer, warehouse, item, lot_item, stock):
    """10 bolts at 50 and 15 glue at 20, confirmed (customer without a limit)."""
    customer.credit_limit = None
    customer.save()
    order = services.create_order(
        actor=admin_user,
        company=books,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[
            {"item": item, "quantity": Decimal("10"), "price": Decimal("50")},
            {"item": lot_item, "quantity": Decimal("15"), "price": Decimal("20")},
        ],
    )
    return services.confirm_order(actor=admin_user, order=order)


def test_a_keeper_delivers_the_suggested_picks_and_two_deliveries_are_invoiced_at_once(
    api_client, keeper, accountant, clerk, books, customer, confirmed_order, location, item, lot_item, drain_outbox
):
    client = api_client(keeper)
    bolt_line = confirmed_order.lines.order_by("id").first()

    picks = client.get(url("orders", confirmed_order.pk, "picks"))
    first = client.post(
        url("deliveries"),
        {
            "order": confirmed_order.pk,
            "document_date": TODAY.isoformat(),
            "lines": [{"order_line": bolt_line.pk, "location": location.pk, "quantity": "6"}],
        },
    )
    shipped = client.post(url("deliveries", first.json()["id"], "post"))
    second = client.post(url("deliveries"), {"order": confirmed_order.pk, "document_date": TODAY.isoformat()})
    client.post(url("deliveries", second.json()["id"], "post"))

    glue_picks = [(pick["lot_detail"]["number"], pick["quantity"]) for pick in picks.json() if pick["lot"]]
    assert glue_picks == [("L1", "10.000000"), ("L2", "5.000000")]
    assert shipped.status_code == 200, shipped.json()
    assert shipped.json()["status"] == "posted" and shipped.json()["total_cost"] == "24.00"
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("10")
    confirmed_order.refresh_from_db()
    assert confirmed_order.status == "delivered"
    assert api_client(clerk).get(url("deliveries")).json()["count"] == 2

    accounts = api_client(accountant)
    invoice = accounts.post(
        url("invoices"),
        {
            "customer": customer.pk,
            "document_date": TODAY.isoformat(),
            "deliveries": [first.json()["id"], second.json()["id"]],
        },
    )
    assert invoice.status_code == 201, invoice.json()
    assert (invoice.json()["number"], invoice.json()["total"]) == ("", "904.00")
    posted = accounts.post(url("invoices", invoice.json()["id"], "post"))
    assert posted.json()["status"] == "posted" and posted.json()["number"].startswith("INV")

    receipt = accounts.post(
        url("receipts"),
        {"customer": customer.pk, "document_date": TODAY.isoformat(), "amount": "1000", "reference": "BANK-1"},
    )
    paid = accounts.post(
        url("receipts", receipt.json()["id"], "post"),
        {"allocations": [{"invoice": invoice.json()["id"], "amount": "904.00"}]},
    )
    assert paid.status_code == 200, paid.json()
    assert paid.json()["unallocated_amount"] == "96.00"
    assert CustomerInvoice.objects.get().status == "paid"

    ageing = accounts.get(url("reports", action="ar-ageing"))
    drain_outbox()
    ageing_after = accounts.get(url("reports", action="ar-ageing")).json()
    assert ageing.status_code == 200
    assert ageing_after["receivables_total"] == "-96.00"
    assert ageing_after["control_balance"] == "-96.00" and ageing_after["difference"] == "0.00"
    margin = accounts.get(url("reports", action="sales-margin"), {"group_by": "item"}).json()["results"]
    assert [(row["key"], row["revenue"], row["cost"]) for row in margin] == [
        ("BOLT", "500.00", "40.00"),
        ("GLUE", "300.00", "45.00"),
    ]


def test_a_keeper_sees_only_deliveries_of_the_warehouse_kept(api_client, make_user, books, confirmed_order, admin_user):
    delivery = services.create_delivery(actor=admin_user, order=confirmed_order, document_date=TODAY)
    elsewhere = make_user(username="east", roles=["warehouse_keeper"], companies=[books])

    assert api_client(elsewhere).get(url("deliveries", delivery.pk)).status_code == 404
    assert api_client(elsewhere).post(url("deliveries", delivery.pk, "post")).status_code == 404
    assert Delivery.objects.get().status == "draft"


def test_a_return_puts_the_goods_back_and_credits_the_invoiced_part(
    api_client, keeper, admin_user, books, customer, confirmed_order, location, item
):
    delivery = services.create_delivery(actor=admin_user, order=confirmed_order, document_date=TODAY)
    services.post_delivery(actor=admin_user, delivery=delivery)
    bolt_delivered = delivery.lines.get(item=item)
    invoice = services.create_invoice(
        actor=admin_user,
        company=books,
        customer=customer,
        document_date=TODAY,
        lines=[{"delivery_line": bolt_delivered}],
    )
    services.post_invoice(actor=admin_user, invoice=invoice)
    client = api_client(admin_user)

    created = client.post(
        url("returns"),
        {
            "customer": customer.pk,
            "warehouse": confirmed_order.warehouse_id,
            "document_date": TODAY.isoformat(),
            "reason": "damaged",
            "lines": [{"delivery_line": bolt_delivered.pk, "quantity": "2"}],
        },
    )
    posted = client.post(url("returns", created.json()["id"], "post"))

    assert posted.status_code == 200, posted.json()
    assert posted.json()["status"] == "posted" and len(posted.json()["credit_notes"]) == 1
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("12")
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("565.00") - Decimal("113.00")


def test_a_price_list_is_created_with_its_lines_and_lists_are_searchable(api_client, admin_user, books, customer, item):
    client = api_client(admin_user)
    created = client.post(
        url("price-lists"),
        {
            "name": "Distributors 2026",
            "currency": books.base_currency_id,
            "customer": customer.pk,
            "valid_until": (TODAY + timedelta(days=30)).isoformat(),
            "lines": [{"item": item.pk, "price": "7.5", "floor_price": "6"}],
        },
    )
    clash = client.post(
        url("price-lists"),
        {
            "name": "Twice",
            "currency": books.base_currency_id,
            "lines": [{"item": item.pk, "price": "1"}, {"item": item.pk, "price": "2"}],
        },
    )

    assert created.status_code == 201, created.json()
    assert created.json()["lines"][0]["floor_price"] == "6.000000"
    assert "lines.1.min_quantity" in clash.json()["error"]["fields"]
    assert PriceList.objects.count() == 1
    assert client.get(url("price-lists"), {"q": "distrib"}).json()["count"] == 1
    assert client.get(url("price-lists"), {"q": "retail"}).json()["count"] == 0


@pytest.mark.parametrize("orders", [1, 8])
def test_the_order_list_and_a_read_keep_their_query_budget(
    api_client, clerk, admin_user, books, customer, warehouse, item, django_assert_max_num_queries, orders
):
    created = [
        services.create_order(
            actor=admin_user,
            company=books,
            customer=customer,
            warehouse=warehouse,
            document_date=TODAY,
            lines=[{"item": item, "quantity": Decimal("1"), "price": Decimal("1")}] * 3,
        )
        for _ in range(orders)
    ]
    client = api_client(clerk)
    client.get(url("orders"))  # warm the permission caches of the first request

    with django_assert_max_num_queries(10):
        listed = client.get(url("orders"))
    with django_assert_max_num_queries(10):
        read = client.get(url("orders", created[-1].pk))

    assert listed.json()["count"] == orders
    assert len(read.json()["lines"]) == 3
