"""Customer receipts (Dr bank / Cr AR), allocated across invoices; overpayments stay as customer credit."""

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

from ..models import CreditNote, CustomerInvoice, CustomerReceipt, ReceivableAllocation
from .common import check_customer

Status = CustomerReceipt.Status


def settle(
    invoice: CustomerInvoice,
    amount: Decimal,
    *,
    actor,
    on_date: date,
    receipt: CustomerReceipt | None = None,
    credit_note: CreditNote | None = None,
) -> None:
    """Record one settlement of a (locked) invoice; the invoice is paid when nothing is open."""
    ReceivableAllocation.objects.create(
        company_id=invoice.company_id,
        invoice=invoice,
        receipt=receipt,
        credit_note=credit_note,
        amount=amount,
        allocated_on=on_date,
        allocated_by=actor,
    )
    invoice.open_amount -= amount
    invoice.save(update_fields=["open_amount"])
    if invoice.open_amount == 0 and invoice.status == CustomerInvoice.Status.POSTED:
        transition(invoice, to=CustomerInvoice.Status.PAID, actor=actor, reason=_("Settled"))


def _check_allocations(customer: Partner, allocations: list[dict[str, Any]], available: Decimal) -> None:
    errors: dict[str, list[str]] = {}
    total = ZERO
    for index, allocation in enumerate(allocations):
        invoice, amount = allocation.get("invoice"), allocation.get("amount")
        if invoice is None or invoice.customer_id != customer.pk or invoice.status != CustomerInvoice.Status.POSTED:
            errors[f"allocations.{index}.invoice"] = [_("Choose an open posted invoice of this customer.")]
            continue
        if amount is None or amount <= 0:
            errors[f"allocations.{index}.amount"] = [_("Enter a positive amount.")]
            continue
        if round_amount(amount) > invoice.open_amount:
            errors[f"allocations.{index}.amount"] = [
                _("%(invoice)s has only %(open)s open.") % {"invoice": invoice.number, "open": invoice.open_amount}
            ]
        total += round_amount(amount)
    if total > available:
        errors["allocations"] = [
            _("The allocations (%(total)s) exceed the amount available (%(available)s).")
            % {"total": total, "available": available}
        ]
    if errors:
        raise ValidationError(errors)


def create_receipt(
    *, actor, company: Company, customer: Partner, document_date: date, amount: Decimal, reference: str = ""
) -> CustomerReceipt:
    check_customer(company, customer)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("Enter a positive amount.")]})
    amount = round_amount(amount)
    with transaction.atomic():
        receipt = CustomerReceipt(
            company=company,
            customer=customer,
            document_date=document_date,
            amount=amount,
            unallocated_amount=amount,
            reference=reference.strip(),
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(
                company_id=company.pk, document_type=CustomerReceipt.DOCUMENT_TYPE, on_date=document_date
            ),
        )
        stamp_history(receipt, actor=actor, reason=_("Created"))
        receipt.save()
    return receipt


def _lock_invoices(allocations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = sorted({a["invoice"].pk for a in allocations if a.get("invoice")})
    invoices = {
        i.pk: i for i in CustomerInvoice.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    }
    return [{**a, "invoice": invoices.get(a["invoice"].pk) if a.get("invoice") else None} for a in allocations]


def _allocate(receipt: CustomerReceipt, allocations: list[dict[str, Any]], *, actor, on_date: date) -> None:
    allocations = _lock_invoices(allocations)
    _check_allocations(receipt.customer, allocations, receipt.unallocated_amount)
    for allocation in allocations:
        amount = round_amount(allocation["amount"])
        settle(allocation["invoice"], amount, actor=actor, on_date=on_date, receipt=receipt)
        receipt.unallocated_amount -= amount
    receipt.save(update_fields=["unallocated_amount"])


def post_receipt(*, actor, receipt: CustomerReceipt, allocations: list[dict[str, Any]] = ()) -> CustomerReceipt:
    with transaction.atomic():
        receipt = lock_document(receipt)
        require_status(receipt, Status.DRAFT, message=_("Only a draft receipt can be posted."))
        transition(receipt, to=Status.POSTED, actor=actor, reason=_("Posted"))
        if allocations:
            _allocate(receipt, list(allocations), actor=actor, on_date=receipt.document_date)
        _emit(receipt, kind="sales.receipt.posted", debit="bank", credit="ar", on_date=receipt.document_date)
    return receipt


def allocate_receipt(*, actor, receipt: CustomerReceipt, allocations: list[dict[str, Any]]) -> CustomerReceipt:
    """Use a receipt's customer credit against invoices later."""
    with transaction.atomic():
        receipt = lock_document(receipt)
        require_status(receipt, Status.POSTED, message=_("Only a posted receipt can be allocated."))
        _allocate(receipt, list(allocations), actor=actor, on_date=timezone.localdate())
    return receipt


def apply_credit_note(*, actor, credit_note: CreditNote, allocations: list[dict[str, Any]]) -> CreditNote:
    with transaction.atomic():
        credit_note = lock_document(credit_note)
        require_status(credit_note, CreditNote.Status.POSTED, message=_("Only a posted credit note can be used."))
        allocations = _lock_invoices(list(allocations))
        _check_allocations(credit_note.customer, allocations, credit_note.open_amount)
        for allocation in allocations:
            amount = round_amount(allocation["amount"])
            settle(allocation["invoice"], amount, actor=actor, on_date=timezone.localdate(), credit_note=credit_note)
            credit_note.open_amount -= amount
        credit_note.save(update_fields=["open_amount"])
    return credit_note


def cancel_receipt(*, actor, receipt: CustomerReceipt, reason: str) -> CustomerReceipt:
    """Undo a receipt on today's date: its settlements are reversed and the invoices open again."""
    reason = require_reason(reason, _("Say why the receipt is cancelled."))
    with transaction.atomic():
        receipt = lock_document(receipt)
        was_posted = receipt.status == Status.POSTED
        transition(receipt, to=Status.CANCELLED, actor=actor, reason=reason)
        if not was_posted:
            return receipt
        allocations = list(receipt.allocations.filter(reversed=False))
        invoices = {
            i.pk: i
            for i in CustomerInvoice.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted({a.invoice_id for a in allocations}))
            .order_by("pk")
        }
        for allocation in allocations:
            invoice = invoices[allocation.invoice_id]
            invoice.open_amount += allocation.amount
            invoice.save(update_fields=["open_amount"])
            if invoice.status == CustomerInvoice.Status.PAID:
                transition(invoice, to=CustomerInvoice.Status.POSTED, actor=actor, reason=reason)
        receipt.allocations.update(reversed=True)
        CustomerReceipt.objects.filter(pk=receipt.pk).update(unallocated_amount=F("amount"))
        _emit(receipt, kind="sales.receipt.cancelled", debit="ar", credit="bank", on_date=timezone.localdate())
    return receipt


def _emit(receipt: CustomerReceipt, *, kind: str, debit: str, credit: str, on_date: date) -> None:
    lines = [
        {
            "role": debit,
            "item_category": None,
            "warehouse": None,
            "partner": receipt.customer_id,
            "debit": str(receipt.amount),
            "credit": "0.00",
        },
        {
            "role": credit,
            "item_category": None,
            "warehouse": None,
            "partner": receipt.customer_id,
            "debit": "0.00",
            "credit": str(receipt.amount),
        },
    ]
    description = _("Receipt %(number)s from %(customer)s") % {
        "number": receipt.number,
        "customer": receipt.customer.name,
    }
    emit(
        kind=kind,
        source=receipt,
        company_id=receipt.company_id,
        payload=event_payload(document=receipt, on_date=on_date, description=description, lines=lines),
    )
