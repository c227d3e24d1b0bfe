"""Purchasing browser pages: every list, detail, form, print and report page rendered for an allowed
user and hidden (404) or refused (403) for the wrong scope or role; the forms make the documents
with the right totals, and the status actions move them on."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import SecurityEvent
from apps.inventory.models import StockBalance
from apps.purchasing import services
from apps.purchasing.models import (
    GoodsReceipt,
    PurchaseOrder,
    PurchaseRequisition,
    PurchaseReturn,
    SupplierBill,
    SupplierPayment,
)
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def buyer(make_user, books, warehouse, supplier):
    return make_user(username="buyer", roles=["buyer"], companies=[books], warehouses=[warehouse], partners=[supplier])


@pytest.fixture
def keeper(make_user, books, warehouse, supplier):
    return make_user(
        username="keeper", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse], partners=[supplier]
    )


@pytest.fixture
def accountant(make_user, books, warehouse, supplier):
    return make_user(
        username="accountant", roles=["accountant"], companies=[books], warehouses=[warehouse], partners=[supplier]
    )


@pytest.fixture
def east(books):
    return WarehouseFactory(company=books, code="EAST", name="East warehouse")


def confirmed_order(actor, supplier, warehouse, lines) -> PurchaseOrder:
    order = services.create_order(
        actor=actor,
        company=warehouse.company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        expected_date=TODAY,
        lines=lines,
    )
    return services.confirm_order(actor=actor, order=order)


def posted_receipt(actor, order, location, quantity) -> GoodsReceipt:
    receipt = services.create_receipt(
        actor=actor,
        company=order.company,
        supplier=order.supplier,
        warehouse=order.warehouse,
        document_date=TODAY,
        lines=[{"order_line": order.lines.first(), "quantity": Decimal(quantity), "location": location}],
    )
    return services.post_receipt(actor=actor, receipt=receipt)


@pytest.fixture
def documents(admin_user, books, supplier, warehouse, location, item):
    """One of each document, linked: requisition → order → receipt → bill → payment, and a return."""
    requisition = services.create_requisition(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        document_date=TODAY,
        needed_by=TODAY,
        reason="restock",
        lines=[{"item": item, "quantity": Decimal("10"), "suggested_supplier": supplier}],
    )
    services.submit_requisition(actor=admin_user, requisition=requisition)
    [order] = services.convert_to_orders(
        actor=admin_user,
        requisition=requisition,
        document_date=TODAY,
        lines=[{"line": requisition.lines.get(), "price": Decimal("5")}],
    )
    services.confirm_order(actor=admin_user, order=order)
    receipt = posted_receipt(admin_user, order, location, "10")
    bill = services.create_bill(
        actor=admin_user,
        company=books,
        supplier=supplier,
        supplier_invoice_number="INV-1",
        document_date=TODAY,
        lines=[{"receipt_line": receipt.lines.get(), "quantity": Decimal("8")}],
    )
    services.post_bill(actor=admin_user, bill=bill)
    payment = services.create_payment(
        actor=admin_user, company=books, supplier=supplier, document_date=TODAY, amount=Decimal("20")
    )
    services.post_payment(actor=admin_user, payment=payment, allocations=[{"bill": bill, "amount": Decimal("20")}])
    purchase_return = services.create_return(
        actor=admin_user,
        company=books,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        reason="damaged",
        lines=[{"receipt_line": receipt.lines.get(), "quantity": Decimal("1")}],
    )
    return {
        "requisition": requisition,
        "order": order,
        "receipt": receipt,
        "bill": bill,
        "payment": payment,
        "return": purchase_return,
    }


def lines_data(rows: list[dict], *, prefix: str = "lines", initial: int = 0, extra: int = 1) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows) + extra), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": "" if value is None else str(value) for name, value in row.items()})
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def on_hand(item, location) -> Decimal:
    return sum((balance.on_hand for balance in StockBalance.objects.filter(item=item, location=location)), Decimal(0))


# --- Pages render, in scope only ------------------------------------------------------------------


def test_every_purchasing_page_renders_for_an_administrator(signed_in, admin_user, documents, supplier):
    client = signed_in(admin_user)
    pages = []
    for name, document in documents.items():
        pages += [
            reverse(f"purchasing:{name}-list"),
            reverse(f"purchasing:{name}-list") + f"?q={document.number}&status_group=open",
            reverse(f"purchasing:{name}-detail", args=[document.pk]),
            reverse(f"purchasing:{name}-detail", args=[document.pk]) + "?tab=history",
            reverse(f"purchasing:{name}-create"),
        ]
    pages += [
        reverse("purchasing:order-print", args=[documents["order"].pk]),
        reverse("purchasing:bill-create") + f"?supplier={supplier.pk}",
        reverse("purchasing:payment-create") + f"?supplier={supplier.pk}",
        reverse("purchasing:return-create") + f"?receipt={documents['receipt'].pk}",
        reverse("purchasing:open-orders") + "?late=on",
        reverse("purchasing:grni"),
        reverse("purchasing:ap-ageing"),
        reverse("purchasing:purchases") + "?group_by=month",
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page

    order_page = client.get(reverse("purchasing:order-detail", args=[documents["order"].pk])).content.decode()
    for name, document in documents.items():
        if name != "order":
            assert reverse(f"purchasing:{name}-detail", args=[document.pk]) in order_page, name
    home = client.get("/").content.decode()
    assert reverse("purchasing:order-list") in home and reverse("purchasing:ap-ageing") in home  # menu and tile
    printed = client.get(reverse("purchasing:order-print", args=[documents["order"].pk])).content.decode()
    assert "Noto Sans CJK SC" in printed and "http" not in printed.split("<body>")[0]


def test_another_warehouses_order_is_404_and_a_keeper_may_not_open_bills(
    signed_in, make_user, admin_user, books, supplier, east, warehouse, item, keeper
):
    theirs = confirmed_order(
        admin_user, supplier, east, [{"item": item, "quantity": Decimal("1"), "price": Decimal("1")}]
    )
    client = signed_in(
        make_user(username="buyer", roles=["buyer"], companies=[books], warehouses=[warehouse], partners=[supplier])
    )

    for page in ("detail", "edit", "print"):
        assert client.get(reverse(f"purchasing:order-{page}", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("purchasing:order-action", args=[theirs.pk, "cancel"]), {"reason": "x"}).status_code == 404
    )
    assert theirs.number not in client.get(reverse("purchasing:order-list")).content.decode()
    chooser = signed_in(keeper).get(reverse("purchasing:receipt-create") + f"?order={theirs.pk}").content.decode()
    assert theirs.number not in chooser
    assert signed_in(keeper).get(reverse("purchasing:bill-list")).status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == PurchaseOrder.Status.CONFIRMED


# --- Forms and actions ----------------------------------------------------------------------------


def test_the_order_form_makes_an_order_with_its_totals_and_stock_units(
    signed_in, buyer, books, supplier, warehouse, item, boxed_item
):
    client = signed_in(buyer)
    form = client.get(reverse("purchasing:order-create")).content.decode()
    assert 'data-factor="12' in form and "data-lines-total" not in form

    response = client.post(
        reverse("purchasing:order-create"),
        {
            "supplier": supplier.pk,
            "warehouse": warehouse.pk,
            "document_date": TODAY.isoformat(),
            "expected_date": (TODAY + timedelta(days=5)).isoformat(),
            **lines_data(
                [
                    {"item": item.pk, "quantity": "100", "price": "10"},
                    {"item": boxed_item.pk, "quantity": "5", "price": "18"},
                ]
            ),
        },
    )

    order = PurchaseOrder.objects.get()
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert response.url == reverse("purchasing:order-detail", args=[order.pk])
    assert (order.subtotal, order.tax_total, order.total) == (Decimal("1090.00"), Decimal("141.70"), Decimal("1231.70"))
    assert [(line.unit.code, line.base_quantity) for line in order.lines.order_by("id")] == [
        ("PCS", Decimal("100")),
        ("BOX", Decimal("60")),
    ]
    assert order.created_by == buyer


def test_a_refused_order_line_is_shown_on_its_row(signed_in, buyer, supplier, warehouse, item):
    response = signed_in(buyer).post(
        reverse("purchasing:order-create"),
        {
            "supplier": supplier.pk,
            "warehouse": warehouse.pk,
            "document_date": TODAY.isoformat(),
            "expected_date": TODAY.isoformat(),
            **lines_data([{"item": item.pk, "quantity": "0", "price": "10"}]),
        },
    )

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["quantity"] == ["Enter a positive quantity."]
    assert not PurchaseOrder.objects.exists()


def test_status_actions_submit_close_a_line_short_and_cancel(signed_in, buyer, admin_user, supplier, warehouse, item):
    client = signed_in(buyer)
    order = services.create_order(
        actor=buyer,
        company=warehouse.company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        expected_date=TODAY,
        lines=[{"item": item, "quantity": Decimal("5"), "price": Decimal("2")}],
    )
    other = confirmed_order(
        admin_user, supplier, warehouse, [{"item": item, "quantity": Decimal("1"), "price": Decimal("1")}]
    )

    submitted = client.post(reverse("purchasing:order-action", args=[order.pk, "submit"]))
    closed = client.post(
        reverse("purchasing:order-close-line", args=[order.pk, order.lines.get().pk]), {"reason": "discontinued"}
    )
    cancelled = client.post(reverse("purchasing:order-action", args=[other.pk, "cancel"]), {"reason": "not needed"})

    assert submitted.status_code == closed.status_code == cancelled.status_code == 302
    order.refresh_from_db()
    other.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CLOSED  # its only line closed short
    assert order.lines.get().closed_short
    assert other.status == PurchaseOrder.Status.CANCELLED
    assert "is now Cancelled" in messages_of(cancelled)[-1]


def test_goods_are_received_in_part_with_lot_and_expiry_from_the_orders_open_lines(
    signed_in, keeper, admin_user, supplier, warehouse, location, lot_item
):
    order = confirmed_order(
        admin_user, supplier, warehouse, [{"item": lot_item, "quantity": Decimal("10"), "price": Decimal("3")}]
    )
    client = signed_in(keeper)
    url = reverse("purchasing:receipt-create") + f"?order={order.pk}"
    page = client.get(url)
    assert page.context["formset"].forms[0].initial["quantity"] == Decimal("10")

    no_lot = client.post(
        url,
        {
            "document_date": TODAY.isoformat(),
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "1",
            "rows-0-source": order.lines.get().pk,
            "rows-0-quantity": "4",
            "rows-0-location": location.pk,
        },
    )
    created = client.post(
        url,
        {
            "document_date": TODAY.isoformat(),
            "delivery_note": "DN-7",
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "1",
            "rows-0-source": order.lines.get().pk,
            "rows-0-quantity": "4",
            "rows-0-location": location.pk,
            "rows-0-lot_number": "L-42",
            "rows-0-expiry_date": (TODAY + timedelta(days=90)).isoformat(),
        },
    )

    assert no_lot.status_code == 200
    assert no_lot.context["formset"].forms[0].errors["lot_number"] == [
        "This item is lot-tracked: enter the lot number."
    ]
    receipt = GoodsReceipt.objects.get()
    assert created.url == reverse("purchasing:receipt-detail", args=[receipt.pk])
    posted = client.post(reverse("purchasing:receipt-action", args=[receipt.pk, "post"]))
    assert posted.status_code == 302
    receipt.refresh_from_db()
    order.refresh_from_db()
    assert (receipt.status, receipt.total_value) == (GoodsReceipt.Status.POSTED, Decimal("12.00"))
    assert order.status == PurchaseOrder.Status.PARTIALLY_RECEIVED
    balance = StockBalance.objects.get(item=lot_item, location=location)
    assert (balance.on_hand, balance.lot.number, balance.lot.expiry_date) == (
        Decimal("4"),
        "L-42",
        TODAY + timedelta(days=90),
    )


def test_a_bill_from_received_lines_is_posted_and_paid_through_the_forms(
    signed_in, accountant, admin_user, books, supplier, warehouse, location, item
):
    order = confirmed_order(
        admin_user, supplier, warehouse, [{"item": item, "quantity": Decimal("10"), "price": Decimal("5")}]
    )
    receipt = posted_receipt(admin_user, order, location, "10")
    client = signed_in(accountant)

    billed = client.post(
        reverse("purchasing:bill-create") + f"?supplier={supplier.pk}",
        {
            "supplier_invoice_number": "INV-9",
            "document_date": TODAY.isoformat(),
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "1",
            "rows-0-source": receipt.lines.get().pk,
            "rows-0-quantity": "10",
            "rows-0-price": "5.05",
        },
    )
    bill = SupplierBill.objects.get()
    assert billed.url == reverse("purchasing:bill-detail", args=[bill.pk])
    client.post(reverse("purchasing:bill-action", args=[bill.pk, "post"]))
    bill.refresh_from_db()
    assert (bill.status, bill.base_total) == (SupplierBill.Status.POSTED, Decimal("57.07"))  # 50.50 + 13 % VAT
    assert bill.lines.get().price_difference == Decimal("0.50")

    paid = client.post(
        reverse("purchasing:payment-create") + f"?supplier={supplier.pk}",
        {
            "document_date": TODAY.isoformat(),
            "amount": "60",
            "reference": "BANK-1",
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "1",
            "rows-0-source": bill.pk,
            "rows-0-quantity": "57.07",
        },
    )

    payment = SupplierPayment.objects.get()
    assert paid.url == reverse("purchasing:payment-detail", args=[payment.pk])
    assert (payment.status, payment.unallocated_amount) == (SupplierPayment.Status.POSTED, Decimal("2.93"))
    bill.refresh_from_db()
    assert (bill.status, bill.open_amount) == (SupplierBill.Status.PAID, Decimal("0.00"))


def test_a_return_form_sends_goods_back_and_raises_a_debit_note(
    signed_in, keeper, admin_user, supplier, warehouse, location, item
):
    order = confirmed_order(
        admin_user, supplier, warehouse, [{"item": item, "quantity": Decimal("10"), "price": Decimal("5")}]
    )
    receipt = posted_receipt(admin_user, order, location, "10")
    client = signed_in(keeper)

    client.post(
        reverse("purchasing:return-create") + f"?receipt={receipt.pk}",
        {
            "document_date": TODAY.isoformat(),
            "reason": "wrong size",
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "1",
            "rows-0-source": receipt.lines.get().pk,
            "rows-0-quantity": "3",
        },
    )
    purchase_return = PurchaseReturn.objects.get()
    client.post(reverse("purchasing:return-action", args=[purchase_return.pk, "post"]))

    purchase_return.refresh_from_db()
    assert (purchase_return.status, purchase_return.total_value) == (PurchaseReturn.Status.POSTED, Decimal("15.00"))
    assert on_hand(item, location) == Decimal("7")


def test_a_requisition_is_made_from_reorder_suggestions_and_converted_to_orders(
    signed_in, make_user, books, supplier, warehouse, item
):
    item.reorder_point, item.reorder_quantity = Decimal("20"), Decimal("30")
    item.save()
    planner = make_user(
        username="planner",
        roles=["buyer", "warehouse_keeper"],
        companies=[books],
        warehouses=[warehouse],
        partners=[supplier],
    )
    client = signed_in(planner)
    assert 'id="reorder-form"' in client.get(reverse("purchasing:requisition-list")).content.decode()

    made = client.post(
        reverse("purchasing:requisition-from-reorder"),
        {"warehouse": warehouse.pk, "needed_by": (TODAY + timedelta(days=2)).isoformat()},
    )
    requisition = PurchaseRequisition.objects.get()
    assert made.url == reverse("purchasing:requisition-detail", args=[requisition.pk])
    assert [(line.item, line.quantity) for line in requisition.lines.all()] == [(item, Decimal("30"))]

    edited = client.post(
        reverse("purchasing:requisition-edit", args=[requisition.pk]),
        {
            "needed_by": (TODAY + timedelta(days=2)).isoformat(),
            "reason": "below reorder point",
            **lines_data(
                [
                    {
                        "id": requisition.lines.get().pk,
                        "item": item.pk,
                        "quantity": "30",
                        "suggested_supplier": supplier.pk,
                        "estimated_price": "2",
                    }
                ],
                initial=1,
            ),
        },
    )
    assert edited.status_code == 302, edited.context["formset"].errors if edited.context else edited
    client.post(reverse("purchasing:requisition-action", args=[requisition.pk, "submit"]))
    client.post(reverse("purchasing:requisition-action", args=[requisition.pk, "convert"]))

    requisition.refresh_from_db()
    order = PurchaseOrder.objects.get()
    assert requisition.status == PurchaseRequisition.Status.ORDERED
    assert (order.supplier, order.subtotal, order.status) == (supplier, Decimal("60.00"), PurchaseOrder.Status.DRAFT)
    flow = client.get(reverse("purchasing:requisition-detail", args=[requisition.pk])).content.decode()
    assert reverse("purchasing:order-detail", args=[order.pk]) in flow


def test_reports_show_the_control_accounts_and_export_to_xlsx(signed_in, accountant, documents, drain_outbox):
    drain_outbox()
    client = signed_in(accountant)

    grni = client.get(reverse("purchasing:grni"))
    ageing = client.get(reverse("purchasing:ap-ageing"))
    exported = client.get(reverse("purchasing:purchases") + "?group_by=supplier&export=xlsx")

    grni_summary = dict(grni.context["summary"])
    assert grni_summary["Goods received not invoiced"] == Decimal("10.00")  # 2 of 10 × 5 not billed
    assert grni_summary["Difference"] == Decimal("0.00")
    assert dict(ageing.context["summary"])["Difference"] == Decimal("0.00")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 1


def test_the_order_list_keeps_its_query_count_whatever_its_rows(signed_in, admin_user, supplier, warehouse, item):
    client = signed_in(admin_user)
    line = {"item": item, "quantity": Decimal("1"), "price": Decimal("1")}
    confirmed_order(admin_user, supplier, warehouse, [line])
    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse("purchasing:order-list"))
    for _ in range(4):
        confirmed_order(admin_user, supplier, warehouse, [line])

    with CaptureQueriesContext(connection) as five_rows:
        response = client.get(reverse("purchasing:order-list"))

    assert len(response.context["rows"]) == 5
    assert len(five_rows) == len(one_row)
