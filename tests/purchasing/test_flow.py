"""The purchasing path end to end, with the books reconciled to the cent."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRequest, ApprovalRule
from apps.finance import selectors as books_selectors
from apps.finance.models import Account, JournalEntry
from apps.inventory.models import StockBalance
from apps.purchasing import selectors, services
from apps.purchasing.models import PurchaseOrder, PurchasingSettings, SupplierBill
from apps.purchasing.services import PurchasingError

pytestmark = pytest.mark.django_db
TODAY = date.today()


def balance(company, code) -> Decimal:
    return books_selectors.account_balance(account=Account.objects.get(company=company, code=code), as_of=TODAY)


def order(actor, company, supplier, warehouse, lines):
    return services.create_order(
        actor=actor,
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        expected_date=TODAY,
        lines=lines,
    )


def receive(actor, company, supplier, warehouse, lines):
    receipt = services.create_receipt(
        actor=actor, company=company, supplier=supplier, warehouse=warehouse, document_date=TODAY, lines=lines
    )
    return services.post_receipt(actor=actor, receipt=receipt)


def test_requisition_to_payment_and_return_reconciles(
    books, admin_user, make_user, supplier, warehouse, location, item, boxed_item, drain_outbox
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
    lines = list(requisition.lines.order_by("id"))
    [po] = services.convert_to_orders(
        actor=admin_user,
        requisition=requisition,
        document_date=TODAY,
        lines=[{"line": lines[0], "price": Decimal("10")}, {"line": lines[1], "price": Decimal("1.5")}],
    )
    # The boxed item was requested in pieces (120) and is ordered in pieces at 1.50: 180; bolts 1000.
    assert po.base_total == Decimal("1333.40")  # 1180 + 13 % VAT
    services.confirm_order(actor=admin_user, order=po)
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.PENDING_APPROVAL
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
    assert StockBalance.objects.get(item=item, location=location).value == Decimal("1000.00")

    billable = list(selectors.billable_receipt_lines(admin_user, supplier=supplier))
    bill = services.create_bill(
        actor=admin_user,
        company=books,
        supplier=supplier,
        supplier_invoice_number="INV-778",
        document_date=TODAY,
        lines=[
            {"receipt_line": line, "quantity": line.quantity, "price": Decimal("10.10") if line.item == item else None}
            for line in billable
        ],
    )
    services.post_bill(actor=admin_user, bill=bill)  # 1 % over on bolts, inside the 2 % tolerance
    bill.refresh_from_db()
    assert bill.status == SupplierBill.Status.POSTED
    assert bill.base_total == Decimal("1344.70")  # (1010 + 180) × 1.13

    payment = services.create_payment(
        actor=admin_user, company=books, supplier=supplier, document_date=TODAY, amount=Decimal("500")
    )
    services.post_payment(actor=admin_user, payment=payment, allocations=[{"bill": bill, "amount": Decimal("500")}])

    screw_receipt_line = second.lines.get(item=boxed_item)
    purchase_return = services.create_return(
        actor=admin_user,
        company=books,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        reason="damaged",
        lines=[{"receipt_line": screw_receipt_line, "quantity": Decimal("24")}],
    )
    services.post_return(actor=admin_user, purchase_return=purchase_return)
    drain_outbox()

    purchase_return.refresh_from_db()
    assert purchase_return.debit_amount == Decimal("40.68")  # 24 × 1.50 × 1.13, settled against the bill
    bill.refresh_from_db()
    assert bill.open_amount == Decimal("1344.70") - Decimal("500") - Decimal("40.68")
    assert -balance(books, "220201") == selectors.payables_total(company=books) == Decimal("804.02")
    assert -balance(books, "220202") == selectors.grni_total(company=books) == Decimal("0.00")
    assert balance(books, "1405") == Decimal("1144.00")  # 1000 bolts + 96 screws × 1.50
    assert balance(books, "1404") == Decimal("10.00")  # the bolts' price difference
    assert balance(books, "22210101") == Decimal("154.70") - Decimal("4.68")
    rows, pending = books_selectors.control_reconciliation(company=books)
    assert pending == 0 and all(row.difference == 0 for row in rows)
    inventory_rows, _pending = books_selectors.inventory_reconciliation(company=books)
    assert all(row.difference == 0 for row in inventory_rows)
    assert JournalEntry.objects.filter(company=books).count() == 5


def test_over_receipt_beyond_tolerance_is_refused(books, admin_user, supplier, warehouse, location, item):
    PurchasingSettings.objects.create(company=books, over_receipt_percent=Decimal("10"))
    po = order(
        admin_user, books, supplier, warehouse, [{"item": item, "quantity": Decimal("10"), "price": Decimal("1")}]
    )
    services.confirm_order(actor=admin_user, order=po)
    line = po.lines.get()
    receive(
        admin_user, books, supplier, warehouse, [{"order_line": line, "quantity": Decimal("11"), "location": location}]
    )

    with pytest.raises(PurchasingError) as refused:
        receive(
            admin_user,
            books,
            supplier,
            warehouse,
            [{"order_line": line, "quantity": Decimal("0.5"), "location": location}],
        )
    assert refused.value.code == "over_receipt"
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("11")


def test_bill_for_more_than_received_goes_to_approval_or_is_refused(
    books, admin_user, make_user, supplier, warehouse, location, item, drain_outbox
):
    buyer = make_user(
        username="buyer1", roles=["buyer"], companies=[books], warehouses=[warehouse], partners=[supplier]
    )
    po = order(buyer, books, supplier, warehouse, [{"item": item, "quantity": Decimal("10"), "price": Decimal("5")}])
    services.confirm_order(actor=buyer, order=po)
    receipt = receive(
        buyer,
        books,
        supplier,
        warehouse,
        [{"order_line": po.lines.get(), "quantity": Decimal("4"), "location": location}],
    )
    bill = services.create_bill(
        actor=buyer,
        company=books,
        supplier=supplier,
        supplier_invoice_number="B-1",
        document_date=TODAY,
        lines=[{"receipt_line": receipt.lines.get(), "quantity": Decimal("6")}],
    )

    with pytest.raises(PurchasingError) as refused:  # no approval rule for bills with differences: refused
        services.post_bill(actor=buyer, bill=bill)
    assert refused.value.code == "match_failed"
    assert refused.value.details["differences"][0]["kind"] == "quantity"

    approvals.save_rule(
        actor=admin_user,
        rule=ApprovalRule(
            company=books, document_type="purchasing.supplierbill", name="match differences", match_exception=True
        ),
        steps=[{"kind": "user", "user": admin_user}],
    )
    services.post_bill(actor=buyer, bill=bill)
    bill.refresh_from_db()
    assert bill.status == SupplierBill.Status.PENDING_APPROVAL

    approvals.decide(request=ApprovalRequest.objects.get(status="pending"), actor=admin_user, verdict="approve")
    drain_outbox()
    bill.refresh_from_db()
    assert bill.status == SupplierBill.Status.POSTED
    assert bill.lines.get().price_difference == Decimal("10.00")  # 6 billed, GRNI only held 4 × 5


def test_duplicate_supplier_invoice_number_is_refused(books, admin_user, supplier, warehouse, location, item):
    po = order(
        admin_user, books, supplier, warehouse, [{"item": item, "quantity": Decimal("2"), "price": Decimal("5")}]
    )
    services.confirm_order(actor=admin_user, order=po)
    receipt = receive(
        admin_user,
        books,
        supplier,
        warehouse,
        [{"order_line": po.lines.get(), "quantity": Decimal("2"), "location": location}],
    )
    line = receipt.lines.get()
    services.create_bill(
        actor=admin_user,
        company=books,
        supplier=supplier,
        supplier_invoice_number="X-1",
        document_date=TODAY,
        lines=[{"receipt_line": line, "quantity": Decimal("1")}],
    )
    with pytest.raises(ValidationError) as refused:
        services.create_bill(
            actor=admin_user,
            company=books,
            supplier=supplier,
            supplier_invoice_number=" X-1 ",
            document_date=TODAY,
            lines=[{"receipt_line": line, "quantity": Decimal("1")}],
        )
    assert "supplier_invoice_number" in refused.value.message_dict


def test_receipt_against_a_cancelled_order_is_refused(books, admin_user, supplier, warehouse, location, item):
    po = order(
        admin_user, books, supplier, warehouse, [{"item": item, "quantity": Decimal("2"), "price": Decimal("5")}]
    )
    services.confirm_order(actor=admin_user, order=po)
    services.cancel_order(actor=admin_user, order=po, reason="not needed")

    with pytest.raises(ValidationError) as refused:
        receive(
            admin_user,
            books,
            supplier,
            warehouse,
            [{"order_line": po.lines.get(), "quantity": Decimal("1"), "location": location}],
        )
    assert "lines.0.order_line" in refused.value.message_dict
    assert not StockBalance.objects.exists()
