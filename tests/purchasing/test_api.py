"""Purchasing through /api/v1/purchasing/: an integrator's order made once whatever the retries, the
path from order to payment with stock and books following, scoping by warehouse, the refusals in the
project's error shape, history and the reports beside their control accounts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.inventory.models import StockBalance
from apps.purchasing import services
from apps.purchasing.models import GoodsReceipt, PurchaseOrder, SupplierBill, SupplierPayment
from tests.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/purchasing"
TODAY = date.today()


def url(resource: str, pk: int | None = None, action: str = "") -> str:
    path = f"{API}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{action}/" if action else "")


@pytest.fixture
def scoped_user(make_user, books, warehouse, supplier):
    def make(username: str, role: str, warehouses=None):
        return make_user(
            username=username,
            roles=[role],
            companies=[books],
            warehouses=warehouses or [warehouse],
            partners=[supplier],
        )

    return make


@pytest.fixture
def buyer(scoped_user):
    return scoped_user("buyer", "buyer")


@pytest.fixture
def keeper(scoped_user):
    return scoped_user("keeper", "warehouse_keeper")


@pytest.fixture
def accountant(scoped_user):
    return scoped_user("accountant", "accountant")


@pytest.fixture
def east(books):
    return WarehouseFactory(company=books, code="EAST", name="East warehouse")


def order_body(supplier, warehouse, item, boxed_item) -> dict:
    return {
        "supplier": supplier.pk,
        "warehouse": warehouse.pk,
        "document_date": TODAY.isoformat(),
        "expected_date": (TODAY + timedelta(days=7)).isoformat(),
        "supplier_reference": "EDI-PO-9",
        "lines": [
            {"item": item.pk, "quantity": "100", "price": "10"},
            {"item": boxed_item.pk, "quantity": "5", "price": "18"},  # 5 boxes of 12 at 18 a box
        ],
    }


def make_order(actor, supplier, warehouse, item, quantity="10", price="5") -> PurchaseOrder:
    order = services.create_order(
        actor=actor,
        company=warehouse.company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        expected_date=TODAY,
        lines=[{"item": item, "quantity": Decimal(quantity), "price": Decimal(price)}],
    )
    return services.confirm_order(actor=actor, order=order)


def on_hand(item, location) -> Decimal:
    balance = StockBalance.objects.filter(item=item, location=location).first()
    return balance.on_hand if balance else Decimal(0)


def test_an_integrators_order_is_created_once_and_followed_to_payment(
    api_client, buyer, keeper, accountant, books, supplier, warehouse, location, item, boxed_item, drain_outbox
):
    body = order_body(supplier, warehouse, item, boxed_item)
    client = api_client(buyer)

    first = client.post(url("orders"), body, headers={"Idempotency-Key": "edi-po-9"})
    again = client.post(url("orders"), body, headers={"Idempotency-Key": "edi-po-9"})

    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert PurchaseOrder.objects.count() == 1
    order = first.json()
    bolts, screws = order["lines"]
    assert (bolts["unit_detail"]["code"], bolts["base_quantity"]) == (item.base_unit.code, "100.000000")
    assert (screws["unit_detail"]["code"], screws["factor"], screws["base_quantity"]) == (
        "BOX",
        "12.000000",
        "60.000000",
    )
    assert (order["subtotal"], order["tax_total"], order["total"]) == ("1090.00", "141.70", "1231.70")

    submitted = client.post(url("orders", order["id"], "submit"))
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "confirmed"  # no approval rule catches it

    receipt = api_client(keeper).post(
        url("receipts"),
        {
            "warehouse": warehouse.pk,
            "document_date": TODAY.isoformat(),
            "delivery_note": "DN-1",
            "lines": [
                {"order_line": bolts["id"], "quantity": "60", "location": location.pk},
                {"order_line": screws["id"], "quantity": "60", "location": location.pk},
            ],
        },
    )
    assert receipt.status_code == 201, receipt.json()
    assert receipt.json()["supplier"] == supplier.pk  # taken from the order
    posted = api_client(keeper).post(url("receipts", receipt.json()["id"], "post"))
    assert posted.status_code == 200, posted.json()
    assert posted.json()["total_value"] == "690.00"  # 60 × 10 + 60 × 1.50
    assert on_hand(item, location) == Decimal("60")
    assert on_hand(boxed_item, location) == Decimal("60")
    assert client.get(url("orders", order["id"])).json()["status"] == "partially_received"

    books_client = api_client(accountant)
    receipt_lines = posted.json()["lines"]
    bill = books_client.post(
        url("bills"),
        {
            "supplier": supplier.pk,
            "supplier_invoice_number": "INV-1001",
            "document_date": TODAY.isoformat(),
            "lines": [{"receipt_line": line["id"], "quantity": line["quantity"]} for line in receipt_lines],
        },
    )
    assert bill.status_code == 201, bill.json()
    posted_bill = books_client.post(url("bills", bill.json()["id"], "post"))
    assert posted_bill.status_code == 200, posted_bill.json()
    assert (posted_bill.json()["status"], posted_bill.json()["base_total"]) == ("posted", "779.70")

    payment = books_client.post(
        url("payments"),
        {"supplier": supplier.pk, "document_date": TODAY.isoformat(), "amount": "1000", "reference": "BANK-77"},
    )
    assert payment.status_code == 201, payment.json()
    paid = books_client.post(
        url("payments", payment.json()["id"], "post"),
        {"allocations": [{"bill": bill.json()["id"], "amount": "779.70"}]},
    )
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["unallocated_amount"]) == ("posted", "220.30")
    assert SupplierBill.objects.get().status == SupplierBill.Status.PAID

    drain_outbox()
    ageing = books_client.get(url("reports", action="ap-ageing")).json()
    assert ageing["subledger_total"] == ageing["ledger_balance"] == "-220.30"  # a prepayment is left
    assert ageing["difference"] == "0.00"
    grni = books_client.get(url("reports", action="grni")).json()
    assert grni["subledger_total"] == grni["ledger_balance"] == "0.00"
    open_lines = client.get(url("reports", action="open-lines")).json()["results"]
    assert [(line["item_detail"]["code"], line["open_quantity"]) for line in open_lines] == [("BOLT", "40.000000")]
    flow = client.get(url("orders", order["id"], "flow")).json()
    assert [len(flow[name]) for name in ("orders", "receipts", "bills", "payments")] == [1, 1, 1, 1]


def test_a_buyer_scoped_to_one_warehouse_gets_404_for_another_warehouses_order(
    api_client, scoped_user, admin_user, books, supplier, warehouse, east, item
):
    theirs = make_order(admin_user, supplier, east, item)
    mine = make_order(admin_user, supplier, warehouse, item)
    client = api_client(scoped_user("buyer", "buyer"))

    listed = client.get(url("orders")).json()

    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert client.get(url("orders", theirs.pk)).status_code == 404
    assert client.post(url("orders", theirs.pk, "cancel"), {"reason": "mine now"}).status_code == 404
    assert client.get(url("orders", theirs.pk, "history")).status_code == 404
    refused = client.post(
        url("orders"),
        {
            "supplier": supplier.pk,
            "warehouse": east.pk,
            "document_date": TODAY.isoformat(),
            "expected_date": TODAY.isoformat(),
            "lines": [{"item": item.pk, "quantity": "1", "price": "1"}],
        },
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["warehouse"][0]["code"] == "does_not_exist"
    theirs.refresh_from_db()
    assert theirs.status == PurchaseOrder.Status.CONFIRMED


def test_a_duplicate_supplier_invoice_number_is_refused_with_a_clear_message(
    api_client, accountant, admin_user, books, supplier, warehouse, location, item
):
    order = make_order(admin_user, supplier, warehouse, item, quantity="4")
    receipt = services.create_receipt(
        actor=admin_user,
        company=books,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"order_line": order.lines.get(), "quantity": Decimal("4"), "location": location}],
    )
    line = services.post_receipt(actor=admin_user, receipt=receipt).lines.get()
    client = api_client(accountant)
    body = {
        "supplier": supplier.pk,
        "supplier_invoice_number": "X-1",
        "document_date": TODAY.isoformat(),
        "lines": [{"receipt_line": line.pk, "quantity": "2"}],
    }

    first = client.post(url("bills"), body)
    second = client.post(url("bills"), {**body, "supplier_invoice_number": " X-1 "})

    assert first.status_code == 201
    assert second.status_code == 400
    error = second.json()["error"]
    assert error["code"] == "validation_error"
    [message] = error["fields"]["supplier_invoice_number"]
    assert message["message"] == f"{supplier.name}'s invoice X-1 is already entered ({first.json()['number']})."
    assert SupplierBill.objects.count() == 1


def test_a_receipt_against_a_cancelled_order_is_refused(
    api_client, keeper, admin_user, books, supplier, warehouse, location, item
):
    order = make_order(admin_user, supplier, warehouse, item)
    api_client(admin_user).post(url("orders", order.pk, "cancel"), {"reason": "not needed"})

    refused = api_client(keeper).post(
        url("receipts"),
        {
            "warehouse": warehouse.pk,
            "document_date": TODAY.isoformat(),
            "lines": [{"order_line": order.lines.get().pk, "quantity": "1", "location": location.pk}],
        },
    )

    assert refused.status_code == 400
    [message] = refused.json()["error"]["fields"]["lines.0.order_line"]
    assert message["message"] == f"{order.number} is Cancelled; nothing more can be received on it."
    assert not GoodsReceipt.objects.exists()
    assert on_hand(item, location) == Decimal("0")


def test_over_receipt_and_a_posted_receipt_edit_are_refused_in_the_error_shape(
    api_client, keeper, admin_user, books, supplier, warehouse, location, item
):
    order = make_order(admin_user, supplier, warehouse, item, quantity="10")
    client = api_client(keeper)
    created = client.post(
        url("receipts"),
        {
            "warehouse": warehouse.pk,
            "document_date": TODAY.isoformat(),
            "lines": [{"order_line": order.lines.get().pk, "quantity": "11", "location": location.pk}],
        },
    ).json()

    refused = client.post(url("receipts", created["id"], "post"))

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "over_receipt"
    assert Decimal(refused.json()["error"]["details"]["allowed"]) == Decimal("10.5")  # 5 % over-receipt tolerance
    assert on_hand(item, location) == Decimal("0")


def test_a_draft_order_is_edited_under_if_match_and_its_history_shows_each_change(
    api_client, buyer, books, supplier, warehouse, item, boxed_item
):
    client = api_client(buyer)
    order = client.post(url("orders"), order_body(supplier, warehouse, item, boxed_item)).json()
    etag = client.get(url("orders", order["id"])).headers["ETag"]
    first_line = order["lines"][0]["id"]

    changed = client.patch(
        url("orders", order["id"]),
        {"note": "rush", "lines": [{"id": first_line, "item": item.pk, "quantity": "120", "price": "10"}]},
        headers={"If-Match": etag},
    )
    stale = client.patch(url("orders", order["id"]), {"note": "late writer"}, headers={"If-Match": etag})
    submitted = client.post(url("orders", order["id"], "submit"))
    after_submit = client.patch(url("orders", order["id"]), {"note": "too late"})

    assert changed.status_code == 200, changed.json()
    assert [(line["id"], line["quantity"]) for line in changed.json()["lines"]] == [(first_line, "120.000000")]
    assert changed.json()["total"] == "1356.00"
    assert stale.status_code == 412
    assert submitted.json()["status"] == "confirmed"
    assert after_submit.status_code == 409
    history = client.get(url("orders", order["id"], "history")).json()
    reasons = [entry["reason"] for entry in history]
    assert (reasons[:2], reasons[-1]) == (["Confirmed", "Edited"], "Created")
    assert all(entry["user"] == "buyer" for entry in history)
    edit = history[1]
    assert {change["field"] for change in edit["changes"]} >= {"note", "total"}


def test_lines_close_short_and_the_list_filters_searches_and_pages(
    api_client, buyer, admin_user, books, supplier, warehouse, item
):
    orders = [make_order(admin_user, supplier, warehouse, item) for _ in range(3)]
    client = api_client(buyer)

    closed = client.post(
        url("orders", orders[0].pk, "close-line"), {"line": orders[0].lines.get().pk, "reason": "discontinued"}
    )
    no_reason = client.post(url("orders", orders[1].pk, "close"), {})

    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"
    assert closed.json()["lines"][0]["closed_short"] is True
    assert no_reason.status_code == 400
    assert list(no_reason.json()["error"]["fields"]) == ["reason"]
    assert client.get(url("orders"), {"status": "closed"}).json()["count"] == 1
    assert client.get(url("orders"), {"status_group": "open"}).json()["count"] == 2
    assert client.get(url("orders"), {"q": orders[2].number}).json()["results"][0]["id"] == orders[2].pk
    page = client.get(url("orders"), {"page_size": 2, "ordering": "number"}).json()
    assert (page["count"], len(page["results"]), page["results"][0]["number"]) == (3, 2, orders[0].number)


def test_a_requisition_from_reorder_suggestions_is_converted_into_orders(
    api_client, make_user, books, supplier, warehouse, item
):
    item.reorder_point, item.reorder_quantity = Decimal("50"), Decimal("80")
    item.save()
    planner = make_user(
        username="planner",
        roles=["buyer", "warehouse_keeper"],
        companies=[books],
        warehouses=[warehouse],
        partners=[supplier],
    )
    client = api_client(planner)

    created = client.post(
        url("requisitions", action="from-reorder"),
        {"warehouse": warehouse.pk, "needed_by": (TODAY + timedelta(days=3)).isoformat()},
    )
    assert created.status_code == 201, created.json()
    requisition = created.json()
    assert [(line["item"], line["quantity"]) for line in requisition["lines"]] == [(item.pk, "80.000000")]

    submitted = client.post(url("requisitions", requisition["id"], "submit"))
    assert submitted.json()["status"] == "approved"
    converted = client.post(
        url("requisitions", requisition["id"], "convert"),
        {"lines": [{"line": requisition["lines"][0]["id"], "supplier": supplier.pk, "price": "3"}]},
    )

    assert converted.status_code == 201, converted.json()
    [order] = converted.json()
    assert (order["supplier"], order["status"], order["subtotal"]) == (supplier.pk, "draft", "240.00")
    assert client.get(url("requisitions", requisition["id"])).json()["status"] == "ordered"
    flow = client.get(url("orders", order["id"], "flow")).json()
    assert [entry["id"] for entry in flow["requisitions"]] == [requisition["id"]]


def test_payments_and_returns_refuse_edits_and_the_keeper_may_not_bill(api_client, keeper, accountant, books, supplier):
    payment = api_client(accountant).post(
        url("payments"), {"supplier": supplier.pk, "document_date": TODAY.isoformat(), "amount": "50"}
    )

    assert payment.status_code == 201
    assert api_client(accountant).patch(url("payments", payment.json()["id"]), {"amount": "60"}).status_code == 405
    assert api_client(keeper).get(url("bills")).status_code == 403
    assert api_client(keeper).post(url("payments"), {}).status_code == 403
    assert SupplierPayment.objects.get().amount == Decimal("50.00")


def test_purchases_by_supplier_item_and_month_count_posted_bills(
    api_client, accountant, admin_user, books, supplier, warehouse, location, item
):
    order = make_order(admin_user, supplier, warehouse, item, quantity="10", price="5")
    receipt = services.create_receipt(
        actor=admin_user,
        company=books,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"order_line": order.lines.get(), "quantity": Decimal("10"), "location": location}],
    )
    line = services.post_receipt(actor=admin_user, receipt=receipt).lines.get()
    bill = services.create_bill(
        actor=admin_user,
        company=books,
        supplier=supplier,
        supplier_invoice_number="M-1",
        document_date=TODAY,
        lines=[{"receipt_line": line, "quantity": Decimal("10")}],
    )
    services.post_bill(actor=admin_user, bill=bill)
    client = api_client(accountant)
    period = {"start": TODAY.replace(day=1).isoformat(), "end": TODAY.isoformat()}

    by_supplier = client.get(url("reports", action="purchases"), {**period, "group_by": "supplier"}).json()
    by_item = client.get(url("reports", action="purchases"), {**period, "group_by": "item"}).json()
    by_month = client.get(url("reports", action="purchases"), {**period, "group_by": "month"}).json()

    assert by_supplier == [{"code": "SUP1", "name": supplier.name, "quantity": "10.000000", "amount": "50.00"}]
    assert [(row["code"], row["amount"]) for row in by_item] == [("BOLT", "50.00")]
    assert [(row["code"], row["amount"]) for row in by_month] == [(f"{TODAY:%Y-%m}", "50.00")]


def test_a_receipt_location_in_another_warehouse_is_refused_on_its_line(
    api_client, keeper, admin_user, books, supplier, warehouse, item
):
    order = make_order(admin_user, supplier, warehouse, item)
    elsewhere = LocationFactory(warehouse=WarehouseFactory(company=books, code="WEST"), code="W-1")
    admin = api_client(admin_user)

    refused = admin.post(
        url("receipts"),
        {
            "warehouse": warehouse.pk,
            "document_date": TODAY.isoformat(),
            "lines": [{"order_line": order.lines.get().pk, "quantity": "1", "location": elsewhere.pk}],
        },
    )

    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["lines.0.location"]
    assert not GoodsReceipt.objects.exists()
