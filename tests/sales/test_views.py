"""Sales browser pages: lists, forms with inline lines and entry forms, detail pages with their actions,
approval trail and flow, reports with exports; scoped so a salesperson outside a customer gets 404."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRule
from apps.inventory.models import StockBalance
from apps.sales import services
from apps.sales.models import CustomerInvoice, CustomerReceipt, Delivery, Quotation, SalesOrder, SalesReturn
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def clerk(make_user, books, customer):
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


def lines_data(rows: list[dict], *, initial: int = 0, extra: int = 1) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(rows) + extra), "lines-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{name}": "" if value is None else str(value) for name, value in row.items()})
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def make_order(actor, books, customer, warehouse, item, quantity="5", price="10") -> SalesOrder:
    return services.create_order(
        actor=actor,
        company=books,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"item": item, "quantity": Decimal(quantity), "price": Decimal(price)}],
    )


@pytest.fixture
def shipped(admin_user, books, customer, warehouse, item, lot_item, stock):
    """An order of 10 bolts at 50 and 5 glue at 20, confirmed, delivered and invoiced."""
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
            {"item": lot_item, "quantity": Decimal("5"), "price": Decimal("20")},
        ],
    )
    services.confirm_order(actor=admin_user, order=order)
    delivery = services.post_delivery(
        actor=admin_user, delivery=services.create_delivery(actor=admin_user, order=order, document_date=TODAY)
    )
    invoice = services.create_invoice(
        actor=admin_user,
        company=books,
        customer=customer,
        document_date=TODAY,
        lines=[{"delivery_line": line} for line in delivery.lines.all()],
    )
    services.post_invoice(actor=admin_user, invoice=invoice)
    return order


# --- Lists and details --------------------------------------------------------------------------


LISTS = [
    "sales:quotation-list",
    "sales:order-list",
    "sales:delivery-list",
    "sales:invoice-list",
    "sales:credit-note-list",
    "sales:receipt-list",
    "sales:return-list",
    "sales:price-list-list",
]


@pytest.mark.parametrize("url_name", LISTS)
def test_every_list_renders_searches_filters_and_exports(signed_in, admin_user, shipped, url_name):
    client = signed_in(admin_user)

    page = client.get(reverse(url_name))
    searched = client.get(reverse(url_name), {"q": "no-such-number", "status_group": "open"})
    exported = client.get(reverse(url_name), {"export": "xlsx"})

    assert page.status_code == searched.status_code == exported.status_code == 200
    assert searched.context["paginator"].count == 0
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_order_list_is_scoped_to_the_salespersons_customers(
    signed_in, clerk, admin_user, books, customer, warehouse, item
):
    rival_customer = PartnerFactory(company=books, code="CUS2", name="Rival Co.", is_customer=True)
    mine = make_order(admin_user, books, customer, warehouse, item)
    theirs = make_order(admin_user, books, rival_customer, warehouse, item)
    client = signed_in(clerk)

    listed = client.get(reverse("sales:order-list"))

    assert [row.obj for row in listed.context["rows"]] == [mine]
    assert client.get(reverse("sales:order-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("sales:order-edit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("sales:order-print", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("sales:order-action", args=[theirs.pk, "confirm"])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "draft"


def test_detail_pages_show_lines_flow_moves_and_history(signed_in, admin_user, shipped):
    client = signed_in(admin_user)
    delivery = Delivery.objects.get()
    invoice = CustomerInvoice.objects.get()

    order_page = client.get(reverse("sales:order-detail", args=[shipped.pk]))
    delivery_page = client.get(reverse("sales:delivery-detail", args=[delivery.pk]))
    invoice_page = client.get(reverse("sales:invoice-detail", args=[invoice.pk]))
    history = client.get(reverse("sales:order-detail", args=[shipped.pk]), {"tab": "history"})

    assert order_page.status_code == delivery_page.status_code == invoice_page.status_code == 200
    flow = {step.label: [link[0] for link in step.links] for step in order_page.context["flow"]}
    assert flow["Deliveries"] == [delivery.number] and flow["Invoices"] == [invoice.number]
    assert len(delivery_page.context["moves"]) == 2
    assert invoice.number in delivery_page.content.decode()
    assert [entry.reason for entry in history.context["history"]][-1] == "Created"


# --- Orders and quotations ----------------------------------------------------------------------


def test_an_order_entered_in_the_form_is_priced_and_totalled(
    signed_in, clerk, books, customer, warehouse, item, lot_item
):
    client = signed_in(clerk)
    form = client.get(reverse("sales:order-create"))
    data = {
        "customer": customer.pk,
        "warehouse": warehouse.pk,
        "document_date": TODAY.isoformat(),
        **lines_data(
            [
                {"item": item.pk, "quantity": "4", "price": "", "discount_percent": "", "tax_rate": ""},
                {"item": lot_item.pk, "quantity": "2", "price": "25", "discount_percent": "10", "tax_rate": ""},
            ]
        ),
    }

    saved = client.post(reverse("sales:order-create"), data)

    assert form.status_code == 200
    assert list(form.context["form"].fields["customer"].queryset) == [customer]
    order = SalesOrder.objects.get()
    assert saved.status_code == 302 and saved.url == reverse("sales:order-detail", args=[order.pk])
    assert (order.subtotal, order.tax_total, order.total) == (Decimal("53.00"), Decimal("6.89"), Decimal("59.89"))
    assert order.lines.get(item=item).price == Decimal("2")  # the item's standard price, no list applies
    assert order.salesperson == clerk


def test_an_order_form_with_a_bad_line_shows_the_error_on_the_line(signed_in, clerk, customer, warehouse, item):
    client = signed_in(clerk)
    data = {
        "customer": customer.pk,
        "warehouse": warehouse.pk,
        "document_date": TODAY.isoformat(),
        **lines_data([{"item": item.pk, "quantity": "-3", "price": "1", "discount_percent": "", "tax_rate": ""}]),
    }

    refused = client.post(reverse("sales:order-create"), data)

    assert refused.status_code == 200
    assert refused.context["formset"].forms[0].errors
    assert SalesOrder.objects.count() == 0


def test_confirming_reserves_and_over_the_limit_shows_the_approval(
    signed_in, clerk, make_user, admin_user, books, customer, warehouse, item, stock
):
    manager = make_user(username="manager", roles=["approver"], companies=[books], partners=[customer])
    approvals.save_rule(
        actor=admin_user,
        rule=ApprovalRule(company=books, document_type="sales.salesorder", name="credit", credit_limit_exceeded=True),
        steps=[{"kind": "user", "user": manager}],
    )
    small = make_order(clerk, books, customer, warehouse, item, quantity="5")
    large = make_order(clerk, books, customer, warehouse, item, quantity="10", price="100")
    client = signed_in(clerk)

    client.post(reverse("sales:order-action", args=[small.pk, "confirm"]))
    client.post(reverse("sales:order-action", args=[large.pk, "confirm"]))
    large_page = client.get(reverse("sales:order-detail", args=[large.pk]))

    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.status, large.status) == ("confirmed", "pending_approval")
    assert StockBalance.objects.get(item=item).reserved == Decimal("5")
    content = large_page.content.decode()
    assert 'id="credit-warning"' in content and "approval-trail" in content


def test_a_quotation_is_sent_and_accepted_into_an_order(signed_in, clerk, books, customer, warehouse, item):
    client = signed_in(clerk)
    client.post(
        reverse("sales:quotation-create"),
        {
            "customer": customer.pk,
            "document_date": TODAY.isoformat(),
            "valid_until": TODAY.isoformat(),
            **lines_data([{"item": item.pk, "quantity": "3", "price": "7", "discount_percent": "", "tax_rate": ""}]),
        },
    )
    quotation = Quotation.objects.get()

    client.post(reverse("sales:quotation-action", args=[quotation.pk, "send"]))
    accepted = client.post(reverse("sales:quotation-accept", args=[quotation.pk]), {"warehouse": warehouse.pk})

    quotation.refresh_from_db()
    order = SalesOrder.objects.get()
    assert quotation.status == "accepted" and order.quotation == quotation
    assert accepted.url == reverse("sales:order-detail", args=[order.pk])
    assert order.total == Decimal("23.73")


def test_the_order_prints_with_a_cjk_font_stack(signed_in, clerk, admin_user, books, customer, warehouse, item):
    order = make_order(admin_user, books, customer, warehouse, item)

    printed = signed_in(clerk).get(reverse("sales:order-print", args=[order.pk]))

    content = printed.content.decode()
    assert printed.status_code == 200 and order.number in content
    assert "Noto Sans CJK SC" in content and "56.5" in content


# --- Deliveries, invoices, receipts, returns ----------------------------------------------------


def test_a_keeper_ships_the_suggested_picks_partly_and_the_rest_stays_a_backorder(
    signed_in, keeper, admin_user, books, customer, warehouse, location, item, stock
):
    customer.credit_limit = None
    customer.save()
    order = services.confirm_order(actor=admin_user, order=make_order(admin_user, books, customer, warehouse, item))
    client = signed_in(keeper)

    chooser = client.get(reverse("sales:delivery-create"))
    form = client.get(reverse("sales:delivery-create"), {"order": order.pk})
    [row] = form.context["rows"]
    saved = client.post(
        f"{reverse('sales:delivery-create')}?order={order.pk}",
        {"document_date": TODAY.isoformat(), row["field"].name: "3"},
    )
    delivery = Delivery.objects.get()
    client.post(reverse("sales:delivery-action", args=[delivery.pk, "post"]))

    assert list(chooser.context["choice_form"].fields["order"].queryset) == [order]
    assert row["field"].initial == "5"
    assert saved.url == reverse("sales:delivery-detail", args=[delivery.pk])
    delivery.refresh_from_db()
    order.refresh_from_db()
    assert (delivery.status, order.status) == ("posted", "partially_delivered")
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("17")
    assert order.lines.get().reserved_quantity == Decimal("2")


def test_an_invoice_and_a_receipt_with_allocations_are_entered(
    signed_in, accountant, admin_user, books, customer, warehouse, item, stock
):
    customer.credit_limit = None
    customer.save()
    for quantity in ("2", "3"):
        order = services.confirm_order(
            actor=admin_user, order=make_order(admin_user, books, customer, warehouse, item, quantity=quantity)
        )
        delivery = services.create_delivery(actor=admin_user, order=order, document_date=TODAY)
        services.post_delivery(actor=admin_user, delivery=delivery)
    client = signed_in(accountant)

    form = client.get(reverse("sales:invoice-create"), {"customer": customer.pk})
    data = {
        "document_date": TODAY.isoformat(),
        **{row["field"].name: row["field"].initial for row in form.context["rows"]},
    }
    client.post(f"{reverse('sales:invoice-create')}?customer={customer.pk}", data)
    invoice = CustomerInvoice.objects.get()
    client.post(reverse("sales:invoice-action", args=[invoice.pk, "post"]))
    receipt_form = client.get(reverse("sales:receipt-create"), {"customer": customer.pk})
    [row] = receipt_form.context["rows"]
    client.post(
        f"{reverse('sales:receipt-create')}?customer={customer.pk}",
        {"document_date": TODAY.isoformat(), "amount": "60", "reference": "BANK-9", row["field"].name: "56.50"},
    )

    assert len(form.context["rows"]) == 2
    invoice.refresh_from_db()
    receipt = CustomerReceipt.objects.get()
    assert invoice.total == Decimal("56.50") and invoice.status == "paid"
    assert (receipt.status, receipt.unallocated_amount) == ("posted", Decimal("3.50"))


def test_a_return_is_entered_against_a_shipped_line_and_credits_the_invoice(
    signed_in, admin_user, books, customer, warehouse, location, item, shipped
):
    client = signed_in(admin_user)
    form = client.get(reverse("sales:return-create"), {"customer": customer.pk})
    bolt_row = next(row for row in form.context["rows"] if row["cells"][0] == item)

    client.post(
        f"{reverse('sales:return-create')}?customer={customer.pk}",
        {
            "warehouse": warehouse.pk,
            "document_date": TODAY.isoformat(),
            "reason": "dented",
            bolt_row["field"].name: "1",
        },
    )
    sales_return = SalesReturn.objects.get()
    client.post(reverse("sales:return-action", args=[sales_return.pk, "post"]))

    sales_return.refresh_from_db()
    assert sales_return.status == "posted"
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("11")
    assert sales_return.credit_notes.get().total == Decimal("56.50")


# --- Reports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["sales:open-orders", "sales:shippable-today", "sales:ar-ageing", "sales:sales-margin"]
)
def test_reports_render_and_export(signed_in, admin_user, shipped, url_name):
    client = signed_in(admin_user)

    page = client.get(reverse(url_name))
    exported = client.get(reverse(url_name), {"export": "xlsx"})

    assert page.status_code == exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_ageing_reconciles_to_the_control_account_and_the_statement_prints(
    signed_in, admin_user, customer, shipped, drain_outbox
):
    drain_outbox()
    client = signed_in(admin_user)

    ageing = client.get(reverse("sales:ar-ageing"))
    statement = client.get(reverse("sales:statement"), {"customer": customer.pk})
    printed = client.get(reverse("sales:statement-print"), {"customer": customer.pk})

    summary = dict(ageing.context["summary"])
    assert summary["Receivables subledger"] == summary["AR control accounts"] == Decimal("678.00")
    assert summary["Difference"] == Decimal("0.00")
    assert dict(statement.context["summary"])["Closing balance"] == Decimal("678.00")
    assert printed.status_code == 200 and ">678<" in printed.content.decode()


def test_a_salesperson_without_sales_rights_gets_403_and_outside_the_scope_404(
    signed_in, make_user, clerk, admin_user, books, customer, warehouse, item
):
    order = make_order(admin_user, books, customer, warehouse, item)
    buyer = make_user(username="buyer", roles=["buyer"], companies=[books], partners=[customer])
    stranger = make_user(username="stranger", roles=["sales_clerk"], companies=[books])

    assert signed_in(buyer).get(reverse("sales:order-list")).status_code == 403
    assert signed_in(stranger).get(reverse("sales:order-detail", args=[order.pk])).status_code == 404
    assert signed_in(clerk).get(reverse("sales:order-detail", args=[order.pk])).status_code == 200
    assert "Sales" in [label for label, _links in signed_in(clerk).get("/").context["navigation"]]


@pytest.mark.parametrize("orders", [1, 8])
def test_the_order_list_page_keeps_its_query_budget(
    signed_in, clerk, admin_user, books, customer, warehouse, item, django_assert_max_num_queries, orders
):
    for _ in range(orders):
        make_order(admin_user, books, customer, warehouse, item)
    client = signed_in(clerk)
    client.get(reverse("sales:order-list"))

    with django_assert_max_num_queries(20):
        page = client.get(reverse("sales:order-list"))

    assert len(page.context["rows"]) == orders
