"""The purchasing path on a real Celery worker: every document commits, its money event goes through
the broker to a worker process, and once the outbox drains AP, GRNI and inventory agree with their
accounts to the cent."""

from datetime import date
from decimal import Decimal

import pytest

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRequest, ApprovalRule
from apps.core.models import OutboxEvent
from apps.finance import selectors as books_selectors
from apps.finance.models import Account, JournalEntry
from apps.inventory.models import StockBalance
from apps.purchasing import selectors, services
from apps.purchasing.models import PurchaseOrder, SupplierBill
from tests.testapp.worker import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TODAY = date.today()


def balance(company, code: str) -> Decimal:
    return books_selectors.account_balance(account=Account.objects.get(company=company, code=code), as_of=TODAY)


def receive(actor, company, supplier, warehouse, lines):
    receipt = services.create_receipt(
        actor=actor, company=company, supplier=supplier, warehouse=warehouse, document_date=TODAY, lines=lines
    )
    return services.post_receipt(actor=actor, receipt=receipt)


def wait_for_the_outbox_to_drain(worker, *, timeout: float = 60) -> None:
    """Every event the path emitted is posted by the worker; none failed."""
    waiting = OutboxEvent.objects.exclude(status=OutboxEvent.Status.DONE)
    try:
        wait_until(lambda: not waiting.exists(), timeout=timeout, message="the worker to drain the outbox")
    except AssertionError as exc:
        states = list(waiting.values_list("kind", "status", "last_error"))
        raise AssertionError(f"{exc}: {states}\n--- worker log ---\n{worker.log()}") from None


def test_requisition_to_payment_and_return_reconciles_on_a_real_worker(
    celery_worker_process, books, admin_user, make_user, supplier, warehouse, location, item, boxed_item
):
    approver = make_user(
        username="approver1", roles=["approver"], companies=[books], warehouses=[warehouse], partners=[supplier]
    )
    approvals.save_rule(
        actor=admin_user,
        rule=ApprovalRule(
            company=books, document_type="purchasing.purchaseorder", name="POs over 1000", min_amount=Decimal("1000")
        ),
        steps=[{"kind": "user", "user": approver}],
    )
    requisition = services.create_requisition(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        document_date=TODAY,
        needed_by=TODAY,
        reason="restock",
        lines=[
            {"item": item, "quantity": Decimal("100"), "suggested_supplier": supplier},
            {"item": boxed_item, "quantity": Decimal("120"), "suggested_supplier": supplier},
        ],
    )
    services.submit_requisition(actor=admin_user, requisition=requisition)
    bolts, screws = requisition.lines.order_by("id")
    [po] = services.convert_to_orders(
        actor=admin_user,
        requisition=requisition,
        document_date=TODAY,
        lines=[{"line": bolts, "price": Decimal("10")}, {"line": screws, "price": Decimal("1.5")}],
    )
    services.confirm_order(actor=admin_user, order=po)
    approvals.decide(request=ApprovalRequest.objects.get(status="pending"), actor=approver, verdict="approve")
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.CONFIRMED

    bolt_line, screw_line = po.lines.order_by("id")
    receive(
        admin_user,
        books,
        supplier,
        warehouse,
        [{"order_line": bolt_line, "quantity": Decimal("60"), "location": location}],
    )
    second = receive(
        admin_user,
        books,
        supplier,
        warehouse,
        [
            {"order_line": bolt_line, "quantity": Decimal("40"), "location": location},
            {"order_line": screw_line, "quantity": Decimal("120"), "location": location},
        ],
    )
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.RECEIVED

    bill = services.create_bill(
        actor=admin_user,
        company=books,
        supplier=supplier,
        supplier_invoice_number="INV-778",
        document_date=TODAY,
        lines=[
            {"receipt_line": line, "quantity": line.quantity, "price": Decimal("10.10") if line.item == item else None}
            for line in selectors.billable_receipt_lines(admin_user, supplier=supplier)
        ],
    )
    services.post_bill(actor=admin_user, bill=bill)  # bolts 1 % over the PO price: inside the 2 % tolerance
    bill.refresh_from_db()
    assert bill.status == SupplierBill.Status.POSTED and bill.base_total == Decimal("1344.70")

    payment = services.create_payment(
        actor=admin_user, company=books, supplier=supplier, document_date=TODAY, amount=Decimal("500")
    )
    services.post_payment(actor=admin_user, payment=payment, allocations=[{"bill": bill, "amount": Decimal("500")}])
    purchase_return = services.create_return(
        actor=admin_user,
        company=books,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        reason="damaged",
        lines=[{"receipt_line": second.lines.get(item=boxed_item), "quantity": Decimal("24")}],
    )
    services.post_return(actor=admin_user, purchase_return=purchase_return)

    wait_for_the_outbox_to_drain(celery_worker_process)

    bill.refresh_from_db()
    assert bill.open_amount == Decimal("804.02")  # 1344.70 − 500 paid − 40.68 debit note (24 × 1.50 × 1.13)
    assert -balance(books, "220201") == selectors.payables_total(company=books) == Decimal("804.02")
    assert -balance(books, "220202") == selectors.grni_total(company=books) == Decimal("0.00")
    stock_value = sum(row.value for row in StockBalance.objects.filter(company=books))
    assert balance(books, "1405") == stock_value == Decimal("1144.00")  # 100 bolts × 10 + 96 screws × 1.50
    assert balance(books, "1404") == Decimal("10.00")  # the bolts' price difference
    rows, pending = books_selectors.control_reconciliation(company=books)
    assert pending == 0 and rows and [row.difference for row in rows] == [0] * len(rows)
    inventory_rows, pending = books_selectors.inventory_reconciliation(company=books)
    assert pending == 0 and inventory_rows and [row.difference for row in inventory_rows] == [0] * len(inventory_rows)
    # receipts ×2, bill, payment, return: one entry each, posted once by the worker
    assert JournalEntry.objects.filter(company=books).count() == OutboxEvent.objects.count() == 5
