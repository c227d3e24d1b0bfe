"""The sales path on a real Celery worker: every document commits, its money event goes through the
broker to a worker process, and once the outbox drains AR, inventory and the cost of goods sold
agree with their accounts to the cent."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRequest, ApprovalRule
from apps.core.models import OutboxEvent
from apps.finance import selectors as books_selectors
from apps.finance.models import Account
from apps.inventory.models import StockBalance, StockMove
from apps.sales import selectors, services
from apps.sales.models import SalesOrder
from tests.testapp.worker import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TODAY = date.today()


def balance(company, code: str) -> Decimal:
    return books_selectors.account_balance(account=Account.objects.get(company=company, code=code), as_of=TODAY)


def moved_value(company, kind: str) -> Decimal:
    return StockMove.objects.filter(company=company, kind=kind).aggregate(total=Sum("value"))["total"] or Decimal(0)


def wait_for_the_outbox_to_drain(worker, *, timeout: float = 60) -> None:
    """Every event the path emitted is posted by the worker; none failed."""
    waiting = OutboxEvent.objects.exclude(status=OutboxEvent.Status.DONE)
    try:
        wait_until(lambda: not waiting.exists(), timeout=timeout, message="the worker to drain the outbox")
    except AssertionError as exc:
        states = list(waiting.values_list("kind", "status", "last_error"))
        raise AssertionError(f"{exc}: {states}\n--- worker log ---\n{worker.log()}") from None


def test_quotation_to_cash_with_return_reconciles_on_a_real_worker(
    celery_worker_process,
    books,
    admin_user,
    make_user,
    customer,
    warehouse,
    location,
    other_location,
    item,
    lot_item,
    stock,
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
    assert order.base_total == Decimal("887.05")  # (500 + 285) × 1.13: within the 1,000 limit on its own

    prior = services.create_order(
        actor=admin_user,
        company=books,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"item": item, "quantity": Decimal("1"), "price": Decimal("265.49")}],
    )
    services.confirm_order(actor=admin_user, order=prior)
    services.confirm_order(actor=admin_user, order=order)  # 300 open + 887.05 > 1,000
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING_APPROVAL and order.credit_check["exceeded"] is True
    approvals.decide(request=ApprovalRequest.objects.get(status="pending"), actor=manager, verdict="approve")
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.CONFIRMED

    bolt_line, _glue_line = order.lines.order_by("id")
    first = services.create_delivery(
        actor=admin_user,
        order=order,
        document_date=TODAY,
        lines=[{"order_line": bolt_line, "quantity": Decimal("6"), "location": location}],
    )
    services.post_delivery(actor=admin_user, delivery=first)
    second = services.create_delivery(actor=admin_user, order=order, document_date=TODAY)  # the rest, lots by expiry
    services.post_delivery(actor=admin_user, delivery=second)
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.DELIVERED
    assert sorted(second.lines.exclude(lot=None).values_list("lot__number", "quantity")) == [
        ("L1", Decimal("10")),
        ("L2", Decimal("5")),
    ]

    invoice = services.create_invoice(
        actor=admin_user,
        company=books,
        customer=customer,
        document_date=TODAY,
        lines=[{"delivery_line": line} for line in selectors.delivery_lines_to_invoice(admin_user, customer=customer)],
    )
    services.post_invoice(actor=admin_user, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.base_total == Decimal("887.05")
    assert set(invoice.lines.values_list("delivery_line__delivery_id", flat=True)) == {first.pk, second.pk}

    receipt = services.create_receipt(
        actor=admin_user, company=books, customer=customer, document_date=TODAY, amount=Decimal("400")
    )
    services.post_receipt(
        actor=admin_user, receipt=receipt, allocations=[{"invoice": invoice, "amount": Decimal("400")}]
    )
    sales_return = services.create_return(
        actor=admin_user,
        company=books,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        reason="leaking",
        lines=[{"delivery_line": second.lines.get(lot__number="L1"), "quantity": Decimal("2")}],
    )
    services.post_return(actor=admin_user, sales_return=sales_return)

    wait_for_the_outbox_to_drain(celery_worker_process)

    invoice.refresh_from_db()
    assert sales_return.credit_notes.get().base_total == Decimal("42.94")  # 2 × 19.00 × 1.13
    assert invoice.open_amount == Decimal("444.11")  # 887.05 − 400 received − 42.94 credited
    assert balance(books, "1122") == selectors.receivables_total(company=books) == Decimal("444.11")
    cost_of_sales = moved_value(books, StockMove.Kind.DELIVERY) - moved_value(books, StockMove.Kind.SALES_RETURN)
    assert balance(books, "640101") == cost_of_sales == Decimal("79.00")  # 10 bolts × 4 + 13 glue × 3
    stock_value = StockBalance.objects.filter(company=books).aggregate(total=Sum("value"))["total"]
    assert balance(books, "1405") == stock_value == Decimal("61.00")  # 140 opening − 79 sold and kept
    assert balance(books, "6001") == Decimal("-747.00")  # 500 + 285 − 38 credited
    rows, pending = books_selectors.control_reconciliation(company=books)
    assert pending == 0 and rows and [row.difference for row in rows] == [0] * len(rows)
    inventory_rows, pending = books_selectors.inventory_reconciliation(company=books)
    assert pending == 0 and inventory_rows and [row.difference for row in inventory_rows] == [0] * len(inventory_rows)
