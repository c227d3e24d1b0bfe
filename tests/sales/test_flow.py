"""The sales path end to end: quotation to cash, a return and a credit note; the books reconcile."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRequest, ApprovalRule
from apps.finance import selectors as books_selectors
from apps.finance.models import Account
from apps.inventory.models import Reservation, StockBalance
from apps.masterdata.models import TaxRate
from apps.sales import selectors, services
from apps.sales.models import CustomerInvoice, SalesOrder

pytestmark = pytest.mark.django_db
TODAY = date.today()


def balance(company, code) -> Decimal:
    return books_selectors.account_balance(account=Account.objects.get(company=company, code=code), as_of=TODAY)


def test_quotation_to_cash_with_return_reconciles(
    books, admin_user, make_user, customer, warehouse, location, other_location, item, lot_item, stock, drain_outbox
):
    manager = make_user(username="manager1", roles=["approver"], companies=[books], partners=[customer])
    approvals.save_rule(
        actor=admin_user,
        rule=ApprovalRule(
            company=books, document_type="sales.salesorder", name="over credit", credit_limit_exceeded=True
        ),
        steps=[{"kind": "user", "user": manager}],
    )
    quotation = services.create_quotation(
        actor=admin_user,
        company=books,
        customer=customer,
        document_date=TODAY,
        valid_until=TODAY,
        lines=[
            {"item": item, "quantity": Decimal("10"), "price": Decimal("50")},
            {"item": lot_item, "quantity": Decimal("15"), "price": Decimal("20"), "discount_percent": Decimal("5")},
        ],
    )
    services.send_quotation(actor=admin_user, quotation=quotation)
    order = services.accept_quotation(actor=admin_user, quotation=quotation, warehouse=warehouse, document_date=TODAY)
    assert order.base_total == Decimal("887.05")  # (500 + 285) × 1.13

    prior = services.create_order(
        actor=admin_user,
        company=books,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"item": item, "quantity": Decimal("1"), "price": Decimal("265.49")}],
    )
    services.confirm_order(actor=admin_user, order=prior)
    services.confirm_order(actor=admin_user, order=order)  # 300 + 887.05 > 1000: over the credit limit
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING_APPROVAL and order.credit_check["exceeded"] is True
    approvals.decide(request=ApprovalRequest.objects.get(status="pending"), actor=manager, verdict="approve")
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.CONFIRMED
    bolt_line, glue_line = order.lines.order_by("id")
    assert (bolt_line.reserved_quantity, glue_line.reserved_quantity) == (Decimal("10"), Decimal("15"))

    first = services.create_delivery(
        actor=admin_user,
        order=order,
        document_date=TODAY,
        lines=[{"order_line": bolt_line, "quantity": Decimal("6"), "location": location}],
    )
    services.post_delivery(actor=admin_user, delivery=first)
    picks = services.suggest_picks(order)
    assert [
        (pick.lot.number if pick.lot else None, pick.quantity) for pick in picks if pick.order_line == glue_line
    ] == [("L1", Decimal("10")), ("L2", Decimal("5"))]  # earliest expiry first
    second = services.create_delivery(actor=admin_user, order=order, document_date=TODAY)
    services.post_delivery(actor=admin_user, delivery=second)
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.DELIVERED
    assert not Reservation.objects.filter(source_id=order.pk, status="open").exists()

    lines = list(selectors.delivery_lines_to_invoice(admin_user, customer=customer))
    invoice = services.create_invoice(
        actor=admin_user,
        company=books,
        customer=customer,
        document_date=TODAY,
        lines=[{"delivery_line": line} for line in lines],
    )
    services.post_invoice(actor=admin_user, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.number.startswith("INV-") and invoice.base_total == Decimal("887.05")

    receipt = services.create_receipt(
        actor=admin_user, company=books, customer=customer, document_date=TODAY, amount=Decimal("400")
    )
    services.post_receipt(
        actor=admin_user, receipt=receipt, allocations=[{"invoice": invoice, "amount": Decimal("400")}]
    )

    glue_delivery_line = second.lines.filter(lot__number="L1").get()
    sales_return = services.create_return(
        actor=admin_user,
        company=books,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        reason="leaking",
        lines=[{"delivery_line": glue_delivery_line, "quantity": Decimal("2")}],
    )
    services.post_return(actor=admin_user, sales_return=sales_return)
    drain_outbox()

    invoice.refresh_from_db()
    credit = sales_return.credit_notes.get()
    assert credit.base_total == Decimal("42.94")  # 2 × 19.00 × 1.13
    assert invoice.open_amount == Decimal("887.05") - Decimal("400") - Decimal("42.94")
    assert balance(books, "1122") == selectors.receivables_total(company=books) == Decimal("444.11")
    assert StockBalance.objects.get(item=lot_item, location=other_location, lot__number="L1").on_hand == Decimal("2")
    assert balance(books, "640101") == Decimal("10") * 4 + Decimal("13") * 3  # cost of what stayed sold
    assert balance(books, "6001") == -(Decimal("500") + Decimal("285") - Decimal("38"))
    rows, pending = books_selectors.control_reconciliation(company=books)
    assert pending == 0 and all(row.difference == 0 for row in rows)
    inventory_rows, _pending = books_selectors.inventory_reconciliation(company=books)
    assert all(row.difference == 0 for row in inventory_rows)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_orders_racing_for_the_last_units_never_over_reserve(books, admin_user, customer, warehouse, item, stock):
    customer.credit_limit = None
    customer.save()
    orders = [
        services.create_order(
            actor=admin_user,
            company=books,
            customer=customer,
            warehouse=warehouse,
            document_date=TODAY,
            lines=[{"item": item, "quantity": Decimal("15"), "price": Decimal("2")}],
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    errors = []

    def confirm(order):
        try:
            start.wait()
            services.confirm_order(actor=admin_user, order=order)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    reserved = sum(line.reserved_quantity for order in orders for line in order.lines.all())
    assert reserved == Decimal("20")  # 15 and 5: never more than the 20 on hand
    balance = StockBalance.objects.get(item=item)
    assert balance.reserved == Decimal("20") and balance.reserved <= balance.on_hand


def test_an_invoice_failing_halfway_leaves_no_gap_in_the_numbers(
    books, admin_user, customer, warehouse, location, item, stock, monkeypatch
):
    customer.credit_limit = None
    customer.save()
    invoices = []
    for _ in range(3):
        order = services.create_order(
            actor=admin_user,
            company=books,
            customer=customer,
            warehouse=warehouse,
            document_date=TODAY,
            lines=[{"item": item, "quantity": Decimal("1"), "price": Decimal("9")}],
        )
        services.confirm_order(actor=admin_user, order=order)
        delivery = services.create_delivery(actor=admin_user, order=order, document_date=TODAY)
        services.post_delivery(actor=admin_user, delivery=delivery)
        invoices.append(
            services.create_invoice(
                actor=admin_user,
                company=books,
                customer=customer,
                document_date=TODAY,
                lines=[{"delivery_line": delivery.lines.get()}],
            )
        )
    services.post_invoice(actor=admin_user, invoice=invoices[0])

    from apps.sales.services import invoices as invoice_module

    def broken_emit(*args, **kwargs):
        raise RuntimeError("the database went away halfway")

    monkeypatch.setattr(invoice_module, "_emit", broken_emit)
    with pytest.raises(RuntimeError):
        services.post_invoice(actor=admin_user, invoice=invoices[1])
    monkeypatch.undo()
    services.post_invoice(actor=admin_user, invoice=invoices[2])

    numbers = sorted(CustomerInvoice.objects.exclude(number="").values_list("number", flat=True))
    assert [number[-5:] for number in numbers] == ["00001", "00002"]
    invoices[1].refresh_from_db()
    assert invoices[1].status == "draft" and invoices[1].number == ""


def test_zero_rated_tax_posts_no_vat_line(books, admin_user, customer, warehouse, item, stock, drain_outbox):
    order = services.create_order(
        actor=admin_user,
        company=books,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[
            {
                "item": item,
                "quantity": Decimal("1"),
                "price": Decimal("10"),
                "tax_rate": TaxRate.objects.get(code="VAT0"),
            }
        ],
    )
    assert order.tax_total == Decimal("0.00")
