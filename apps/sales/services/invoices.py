"""Customer invoices and credit notes: numbered gaplessly when posted, Dr AR / Cr revenue and output VAT.

A draft has no number. Posting takes the next number of the company's invoice sequence for the
year inside the posting transaction, so an invoice that fails halfway gives its number back and the
series never has a gap. A posted invoice is never edited: a credit note corrects it.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_amount, round_quantity, to_base
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.inventory.services.postings import event_payload
from apps.masterdata.models import Company, Item, Partner
from apps.masterdata.selectors import document_rate

from ..models import CreditNote, CreditNoteLine, CustomerInvoice, DeliveryLine, InvoiceLine, SalesOrderLine
from .common import SalesError, check_customer
from .orders import refresh_delivery_status
from .receipts import settle

Status = CustomerInvoice.Status


def _invoice_lines(company: Company, customer: Partner, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    completed = []
    delivery_lines = DeliveryLine.objects.select_related("delivery", "order_line__order", "item").in_bulk(
        [line["delivery_line"].pk for line in lines if line.get("delivery_line")]
    )
    order_lines = SalesOrderLine.objects.select_related("order", "item", "tax_rate").in_bulk(
        [line["order_line"].pk for line in lines if line.get("order_line")]
    )
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        delivery_line = delivery_lines.get(line["delivery_line"].pk) if line.get("delivery_line") else None
        order_line = (
            delivery_line.order_line
            if delivery_line
            else order_lines.get(line["order_line"].pk if line.get("order_line") else None)
        )
        if (
            order_line is None
            or order_line.order.customer_id != customer.pk
            or order_line.order.company_id != company.pk
        ):
            errors[f"{prefix}.delivery_line"] = [
                _("Choose a delivered line (or a service order line) of this customer.")
            ]
            continue
        if delivery_line is None and order_line.item.item_type == Item.ItemType.STOCK:
            errors[f"{prefix}.delivery_line"] = [_("Stock items are invoiced from their deliveries.")]
            continue
        if delivery_line is not None and delivery_line.delivery.status != delivery_line.delivery.Status.POSTED:
            errors[f"{prefix}.delivery_line"] = [_("Invoice only shipped deliveries.")]
            continue
        quantity = line.get("quantity")
        if quantity is None:
            quantity = (
                delivery_line.invoiceable_quantity
                if delivery_line
                else order_line.base_quantity - order_line.invoiced_quantity
            )
        if quantity <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
            continue
        completed.append(
            {
                "delivery_line": delivery_line,
                "order_line": order_line,
                "item": order_line.item,
                "quantity": round_quantity(quantity),
                "price": round_quantity(order_line.net_price / order_line.factor),
                "tax_rate": order_line.tax_rate,
            }
        )
    if errors:
        raise ValidationError(errors)
    currencies = {line["order_line"].order.currency_id for line in completed}
    if len(currencies) > 1:
        raise ValidationError({"lines": [_("One invoice covers orders of one currency.")]})
    return completed


def create_invoice(
    *,
    actor,
    company: Company,
    customer: Partner,
    document_date: date,
    lines: list[dict[str, Any]],
    due_date: date | None = None,
    exchange_rate: Decimal | None = None,
) -> CustomerInvoice:
    """A draft invoice (no number yet) from delivered lines, possibly of several deliveries."""
    check_customer(company, customer)
    completed = _invoice_lines(company, customer, lines)
    currency = completed[0]["order_line"].order.currency
    rate = document_rate(company, currency, document_date, exchange_rate)
    terms = customer.payment_terms
    with transaction.atomic():
        invoice = CustomerInvoice(
            company=company,
            customer=customer,
            currency=currency,
            exchange_rate=rate,
            document_date=document_date,
            due_date=due_date or document_date + timedelta(days=terms.due_days if terms else 30),
            salesperson=completed[0]["order_line"].order.salesperson,
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
        )
        stamp_history(invoice, actor=actor, reason=_("Created"))
        invoice.save()
        for values in completed:
            net = round_amount(values["quantity"] * values["price"])
            line = InvoiceLine(
                invoice=invoice, net_amount=net, tax_amount=round_amount(net * values["tax_rate"].rate / 100), **values
            )
            stamp_history(line, actor=actor)
            line.save()
        _total(invoice)
        invoice.save(update_fields=["subtotal", "tax_total", "total"])
    return invoice


def _total(invoice: CustomerInvoice) -> None:
    lines = list(invoice.lines.all())
    invoice.subtotal = sum((line.net_amount for line in lines), ZERO)
    invoice.tax_total = sum((line.tax_amount for line in lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax_total


def post_invoice(*, actor, invoice: CustomerInvoice) -> CustomerInvoice:
    with transaction.atomic():
        invoice = lock_document(invoice)
        require_status(invoice, Status.DRAFT, message=_("Only a draft invoice can be posted."))
        lines = list(invoice.lines.select_related("item", "order_line__order").order_by("id"))
        delivery_lines = {
            line.pk: line
            for line in DeliveryLine.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted({line.delivery_line_id for line in lines if line.delivery_line_id}))
            .order_by("pk")
        }
        order_lines = {
            line.pk: line
            for line in SalesOrderLine.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted({line.order_line_id for line in lines}))
            .order_by("pk")
        }
        money: dict[tuple, Decimal] = defaultdict(Decimal)
        total_base = ZERO
        for line in lines:
            if line.delivery_line_id:
                delivery_line = delivery_lines[line.delivery_line_id]
                if line.quantity > delivery_line.invoiceable_quantity:
                    raise SalesError(
                        _("%(item)s: only %(left)s delivered is left to invoice.")
                        % {"item": line.item, "left": delivery_line.invoiceable_quantity.normalize()},
                        code="over_invoice",
                        status_code=409,
                    )
                delivery_line.invoiced_quantity += line.quantity
            order_lines[line.order_line_id].invoiced_quantity += line.quantity
            net_base, tax_base = (
                to_base(line.net_amount, invoice.exchange_rate),
                to_base(line.tax_amount, invoice.exchange_rate),
            )
            money[("revenue", line.item.category_id, "credit")] += net_base
            money[("output_vat", None, "credit")] += tax_base
            total_base += net_base + tax_base
        money[("ar", None, "debit")] += total_base
        DeliveryLine.objects.bulk_update(list(delivery_lines.values()), ["invoiced_quantity"])
        SalesOrderLine.objects.bulk_update(list(order_lines.values()), ["invoiced_quantity"])
        invoice.number = next_number(
            company_id=invoice.company_id, document_type=CustomerInvoice.DOCUMENT_TYPE, on_date=invoice.document_date
        )
        invoice.base_total = invoice.open_amount = total_base
        transition(
            invoice,
            to=Status.POSTED,
            actor=actor,
            reason=_("Posted"),
            extra_fields=("number", "base_total", "open_amount"),
        )
        for order in {line.order_line.order for line in lines}:
            refresh_delivery_status(lock_document(order), actor=actor)
        _emit(
            invoice,
            invoice.customer_id,
            money,
            kind="sales.invoice.posted",
            on_date=invoice.document_date,
            description=_("Invoice %(number)s to %(customer)s")
            % {"number": invoice.number, "customer": invoice.customer.name},
        )
    return invoice


def _emit(
    document, customer_id: int, money: dict[tuple, Decimal], *, kind: str, on_date: date, description: str
) -> None:
    lines = [
        {
            "role": role,
            "item_category": category,
            "warehouse": None,
            "partner": customer_id,
            "debit": str(amount if side == "debit" else ZERO),
            "credit": str(amount if side == "credit" else ZERO),
        }
        for (role, category, side), amount in sorted(money.items(), key=lambda kv: str(kv[0]))
        if amount
    ]
    if lines:
        emit(
            kind=kind,
            source=document,
            company_id=document.company_id,
            payload=event_payload(document=document, on_date=on_date, description=description, lines=lines),
        )


# --- Credit notes -------------------------------------------------------------------------------


def create_credit_note(
    *, actor, invoice: CustomerInvoice, document_date: date, reason: str, lines: list[dict[str, Any]], sales_return=None
) -> CreditNote:
    """A draft credit note for some quantity of a posted invoice's lines (at the invoiced price)."""
    reason = require_reason(reason, _("Say why the invoice is credited."))
    require_status(invoice, Status.POSTED, Status.PAID, message=_("Only a posted invoice can be credited."))
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    for index, line in enumerate(lines):
        invoice_line = line.get("invoice_line")
        if invoice_line is None or invoice_line.invoice_id != invoice.pk:
            errors[f"lines.{index}.invoice_line"] = [_("Choose a line of this invoice.")]
        elif (
            line.get("quantity") is None
            or not 0 < line["quantity"] <= invoice_line.quantity - invoice_line.credited_quantity
        ):
            errors[f"lines.{index}.quantity"] = [
                _("Credit between 0 and %(left)s.")
                % {"left": (invoice_line.quantity - invoice_line.credited_quantity).normalize()}
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        note = CreditNote(
            company=invoice.company,
            customer=invoice.customer,
            invoice=invoice,
            reason=reason,
            sales_return=sales_return,
            document_date=document_date,
            status=CreditNote.Status.DRAFT,
            created_by=actor,
            modified_by=actor,
        )
        stamp_history(note, actor=actor, reason=_("Created"))
        note.save()
        for values in lines:
            invoice_line, quantity = values["invoice_line"], round_quantity(values["quantity"])
            net = (
                invoice_line.net_amount
                if quantity == invoice_line.quantity
                else round_amount(quantity * invoice_line.price)
            )
            line = CreditNoteLine(
                credit_note=note,
                invoice_line=invoice_line,
                quantity=quantity,
                net_amount=net,
                tax_amount=round_amount(net * invoice_line.tax_rate.rate / 100),
            )
            stamp_history(line, actor=actor)
            line.save()
        note.total = sum((line.net_amount + line.tax_amount for line in note.lines.all()), ZERO)
        note.save(update_fields=["total"])
    return note


def post_credit_note(*, actor, credit_note: CreditNote) -> CreditNote:
    """Dr revenue and output VAT / Cr AR; the credit settles the invoice first, the rest is customer credit."""
    with transaction.atomic():
        credit_note = lock_document(credit_note)
        require_status(credit_note, CreditNote.Status.DRAFT, message=_("Only a draft credit note can be posted."))
        invoice = lock_document(credit_note.invoice)
        lines = list(credit_note.lines.select_related("invoice_line__item", "invoice_line__tax_rate"))
        money: dict[tuple, Decimal] = defaultdict(Decimal)
        total_base = ZERO
        for line in lines:
            invoice_line = InvoiceLine.objects.select_for_update(of=("self",)).get(pk=line.invoice_line_id)
            if line.quantity > invoice_line.quantity - invoice_line.credited_quantity:
                raise SalesError(_("This invoice line was already credited."), code="over_credit", status_code=409)
            InvoiceLine.objects.filter(pk=invoice_line.pk).update(
                credited_quantity=F("credited_quantity") + line.quantity
            )
            net_base = to_base(line.net_amount, invoice.exchange_rate)
            tax_base = to_base(line.tax_amount, invoice.exchange_rate)
            money[("revenue", invoice_line.item.category_id, "debit")] += net_base
            money[("output_vat", None, "debit")] += tax_base
            total_base += net_base + tax_base
        money[("ar", None, "credit")] += total_base
        credit_note.number = next_number(
            company_id=credit_note.company_id, document_type=CreditNote.DOCUMENT_TYPE, on_date=credit_note.document_date
        )
        credit_note.base_total = credit_note.open_amount = total_base
        transition(
            credit_note,
            to=CreditNote.Status.POSTED,
            actor=actor,
            reason=credit_note.reason,
            extra_fields=("number", "base_total", "open_amount"),
        )
        applied = min(invoice.open_amount, credit_note.open_amount)
        if applied > 0 and invoice.status == Status.POSTED:
            settle(invoice, applied, actor=actor, on_date=credit_note.document_date, credit_note=credit_note)
            credit_note.open_amount -= applied
            credit_note.save(update_fields=["open_amount"])
        _emit(
            credit_note,
            credit_note.customer_id,
            money,
            kind="sales.credit_note.posted",
            on_date=credit_note.document_date,
            description=_("Credit note %(number)s for invoice %(invoice)s")
            % {"number": credit_note.number, "invoice": invoice.number},
        )
    return credit_note
