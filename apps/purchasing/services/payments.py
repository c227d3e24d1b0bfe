"""Supplier payments (Dr AP / Cr bank) and how payments and debit notes settle bills."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_amount
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.inventory.services.postings import event_payload
from apps.masterdata.models import Company, Partner

from ..models import PayableAllocation, PurchaseReturn, SupplierBill, SupplierPayment
from .common import check_supplier

Status = SupplierPayment.Status


def _check_allocations(supplier: Partner, allocations: list[dict[str, Any]], available: Decimal) -> None:
    errors: dict[str, list[str]] = {}
    total = ZERO
    for index, allocation in enumerate(allocations):
        bill, amount = allocation.get("bill"), allocation.get("amount")
        if bill is None or bill.supplier_id != supplier.pk or bill.status not in (SupplierBill.Status.POSTED,):
            errors[f"allocations.{index}.bill"] = [_("Choose an open posted bill of this supplier.")]
            continue
        if amount is None or amount <= 0:
            errors[f"allocations.{index}.amount"] = [_("Enter a positive amount.")]
            continue
        if round_amount(amount) > bill.open_amount:
            errors[f"allocations.{index}.amount"] = [
                _("%(bill)s has only %(open)s open.") % {"bill": bill.number, "open": bill.open_amount}
            ]
        total += round_amount(amount)
    if total > available:
        errors["allocations"] = [
            _("The allocations (%(total)s) exceed the amount available (%(available)s).")
            % {"total": total, "available": available}
        ]
    if errors:
        raise ValidationError(errors)


def create_payment(
    *, actor, company: Company, supplier: Partner, document_date: date, amount: Decimal, reference: str = ""
) -> SupplierPayment:
    """A draft payment; which bills it settles is chosen when it is posted."""
    check_supplier(company, supplier)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Enter a positive amount.")]})
    amount = round_amount(amount)
    with transaction.atomic():
        payment = SupplierPayment(
            company=company,
            supplier=supplier,
            document_date=document_date,
            amount=amount,
            unallocated_amount=amount,
            reference=reference.strip(),
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(
                company_id=company.pk, document_type=SupplierPayment.DOCUMENT_TYPE, on_date=document_date
            ),
        )
        stamp_history(payment, actor=actor, reason=_("Created"))
        payment.save()
    return payment


def post_payment(*, actor, payment: SupplierPayment, allocations: list[dict[str, Any]] = ()) -> SupplierPayment:
    """Pay: Dr AP / Cr bank for the whole amount; settle the given bills; the rest stays a prepayment."""
    with transaction.atomic():
        payment = lock_document(payment)
        require_status(payment, Status.DRAFT, message=_("Only a draft payment can be posted."))
        transition(payment, to=Status.POSTED, actor=actor, reason=_("Posted"))
        if allocations:
            _allocate(payment, list(allocations), actor=actor, on_date=payment.document_date)
        _emit(payment, kind="purchasing.payment.posted", debit="ap", credit="bank", on_date=payment.document_date)
    return payment


def allocate_payment(*, actor, payment: SupplierPayment, allocations: list[dict[str, Any]]) -> SupplierPayment:
    """Use a posted payment's prepayment against bills (no money moves: AP settles with itself)."""
    with transaction.atomic():
        payment = lock_document(payment)
        require_status(payment, Status.POSTED, message=_("Only a posted payment can be allocated."))
        _allocate(payment, list(allocations), actor=actor, on_date=timezone.localdate())
    return payment


def _lock_bills(allocations: list[dict[str, Any]]) -> dict[int, SupplierBill]:
    ids = sorted({allocation["bill"].pk for allocation in allocations if allocation.get("bill")})
    return {
        bill.pk: bill for bill in SupplierBill.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    }


def _allocate(payment: SupplierPayment, allocations: list[dict[str, Any]], *, actor, on_date: date) -> None:
    bills = _lock_bills(allocations)
    allocations = [{**a, "bill": bills.get(a["bill"].pk) if a.get("bill") else None} for a in allocations]
    _check_allocations(payment.supplier, allocations, payment.unallocated_amount)
    for allocation in allocations:
        amount = round_amount(allocation["amount"])
        settle(allocation["bill"], amount, actor=actor, on_date=on_date, payment=payment)
        payment.unallocated_amount -= amount
    payment.save(update_fields=["unallocated_amount"])


def settle(
    bill: SupplierBill,
    amount: Decimal,
    *,
    actor,
    on_date: date,
    payment: SupplierPayment | None = None,
    debit_note: PurchaseReturn | None = None,
) -> None:
    """Record one settlement of a (locked) bill; the bill is paid when nothing is open."""
    PayableAllocation.objects.create(
        company_id=bill.company_id,
        bill=bill,
        payment=payment,
        debit_note=debit_note,
        amount=amount,
        allocated_on=on_date,
        allocated_by=actor,
    )
    bill.open_amount -= amount
    bill.save(update_fields=["open_amount"])
    if bill.open_amount == 0 and bill.status == SupplierBill.Status.POSTED:
        transition(bill, to=SupplierBill.Status.PAID, actor=actor, reason=_("Settled"))


def cancel_payment(*, actor, payment: SupplierPayment, reason: str) -> SupplierPayment:
    """Undo a payment on today's date: its settlements are reversed and the bills open again."""
    reason = require_reason(reason, _("Say why the payment is cancelled."))
    with transaction.atomic():
        payment = lock_document(payment)
        was_posted = payment.status == Status.POSTED
        transition(payment, to=Status.CANCELLED, actor=actor, reason=reason)
        if not was_posted:
            return payment
        allocations = list(payment.allocations.filter(reversed=False))
        bills = {
            bill.pk: bill
            for bill in SupplierBill.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted({a.bill_id for a in allocations}))
            .order_by("pk")
        }
        for allocation in allocations:
            bill = bills[allocation.bill_id]
            bill.open_amount += allocation.amount
            bill.save(update_fields=["open_amount"])
            if bill.status == SupplierBill.Status.PAID:
                transition(bill, to=SupplierBill.Status.POSTED, actor=actor, reason=reason)
        payment.allocations.update(reversed=True)
        SupplierPayment.objects.filter(pk=payment.pk).update(unallocated_amount=F("amount"))
        _emit(payment, kind="purchasing.payment.cancelled", debit="bank", credit="ap", on_date=timezone.localdate())
    return payment


def _emit(payment: SupplierPayment, *, kind: str, debit: str, credit: str, on_date: date) -> None:
    lines = [
        {
            "role": debit,
            "item_category": None,
            "warehouse": None,
            "partner": payment.supplier_id,
            "debit": str(payment.amount),
            "credit": "0.00",
        },
        {
            "role": credit,
            "item_category": None,
            "warehouse": None,
            "partner": payment.supplier_id,
            "debit": "0.00",
            "credit": str(payment.amount),
        },
    ]
    description = _("Payment %(number)s to %(supplier)s") % {
        "number": payment.number,
        "supplier": payment.supplier.name,
    }
    emit(
        kind=kind,
        source=payment,
        company_id=payment.company_id,
        payload=event_payload(document=payment, on_date=on_date, description=description, lines=lines),
    )


def apply_debit_note(*, actor, debit_note: PurchaseReturn, allocations: list[dict[str, Any]]) -> PurchaseReturn:
    """Use what a debit note leaves open against the supplier's bills."""
    with transaction.atomic():
        debit_note = lock_document(debit_note)
        require_status(
            debit_note, PurchaseReturn.Status.POSTED, message=_("Only a posted return's debit note can be used.")
        )
        bills = _lock_bills(allocations)
        allocations = [{**a, "bill": bills.get(a["bill"].pk) if a.get("bill") else None} for a in allocations]
        _check_allocations(debit_note.supplier, allocations, debit_note.open_amount)
        for allocation in allocations:
            amount = round_amount(allocation["amount"])
            settle(allocation["bill"], amount, actor=actor, on_date=timezone.localdate(), debit_note=debit_note)
            debit_note.open_amount -= amount
        debit_note.save(update_fields=["open_amount"])
    return debit_note
