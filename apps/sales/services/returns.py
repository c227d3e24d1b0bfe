"""Sales returns: goods back into stock at their delivered cost (Dr Inventory / Cr COGS), and a credit
note for the part that was already invoiced."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_quantity
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.inventory.models import StockMove
from apps.inventory.services import MoveLine, post_moves
from apps.inventory.services.postings import event_payload, money_lines
from apps.masterdata.models import Company, Location, Partner, Warehouse

from ..models import DeliveryLine, InvoiceLine, SalesReturn, SalesReturnLine
from .common import SalesError, check_customer
from .invoices import create_credit_note, post_credit_note

Status = SalesReturn.Status


def create_return(
    *,
    actor,
    company: Company,
    customer: Partner,
    warehouse: Warehouse,
    document_date: date,
    reason: str,
    lines: list[dict[str, Any]],
) -> SalesReturn:
    check_customer(company, customer)
    reason = require_reason(reason, _("Say why the goods came back."))
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    shipped = DeliveryLine.objects.select_related("delivery").in_bulk(
        [line["delivery_line"].pk for line in lines if line.get("delivery_line") is not None]
    )
    for index, line in enumerate(lines):
        # The delivery's status as stored, not as the caller last saw it.
        delivery_line: DeliveryLine | None = line.get("delivery_line") and shipped.get(line["delivery_line"].pk)
        line["delivery_line"] = delivery_line
        if (
            delivery_line is None
            or delivery_line.delivery.customer_id != customer.pk
            or delivery_line.delivery.status != delivery_line.delivery.Status.POSTED
        ):
            errors[f"lines.{index}.delivery_line"] = [_("Choose a shipped line of this customer.")]
            continue
        location = line.get("location") or delivery_line.location
        if location.warehouse_id != warehouse.pk or location.kind == Location.Kind.TRANSIT:
            errors[f"lines.{index}.location"] = [_("Return into a location of the return's warehouse.")]
        if line.get("quantity") is None or line["quantity"] <= 0:
            errors[f"lines.{index}.quantity"] = [_("Enter a positive quantity.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        sales_return = SalesReturn(
            company=company,
            customer=customer,
            warehouse=warehouse,
            document_date=document_date,
            reason=reason,
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=SalesReturn.DOCUMENT_TYPE, on_date=document_date),
        )
        stamp_history(sales_return, actor=actor, reason=_("Created"))
        sales_return.save()
        for values in lines:
            line = SalesReturnLine(
                sales_return=sales_return,
                delivery_line=values["delivery_line"],
                item=values["delivery_line"].item,
                quantity=round_quantity(values["quantity"]),
                location=values.get("location") or values["delivery_line"].location,
            )
            stamp_history(line, actor=actor)
            line.save()
    return sales_return


def post_return(*, actor, sales_return: SalesReturn) -> SalesReturn:
    with transaction.atomic():
        sales_return = lock_document(sales_return)
        require_status(sales_return, Status.DRAFT, message=_("Only a draft return can be posted."))
        lines = list(sales_return.lines.select_related("item", "location__warehouse"))
        delivery_lines = {
            line.pk: line
            for line in DeliveryLine.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted({line.delivery_line_id for line in lines}))
            .select_related("lot")
            .order_by("pk")
        }
        to_credit: dict[int, Decimal] = defaultdict(Decimal)  # delivery line -> invoiced quantity coming back
        for line in lines:
            delivery_line = delivery_lines[line.delivery_line_id]
            if line.quantity > delivery_line.quantity - delivery_line.returned_quantity:
                raise SalesError(
                    _("%(item)s: more is returned than was delivered.") % {"item": line.item},
                    code="return_exceeds_delivery",
                    status_code=409,
                )
            uninvoiced = delivery_line.quantity - delivery_line.returned_quantity - delivery_line.invoiced_quantity
            to_credit[delivery_line.pk] += max(line.quantity - max(uninvoiced, ZERO), ZERO)
            delivery_line.returned_quantity += line.quantity
            if to_credit[delivery_line.pk]:
                delivery_line.invoiced_quantity -= to_credit[delivery_line.pk]
        moves = post_moves(
            company=sales_return.company,
            kind=StockMove.Kind.SALES_RETURN,
            source=sales_return,
            source_number=sales_return.number,
            move_date=sales_return.document_date,
            actor=actor,
            lines=[
                MoveLine(
                    item=line.item,
                    quantity=line.quantity,
                    to_location=line.location,
                    lot=delivery_lines[line.delivery_line_id].lot,
                    unit_cost=delivery_lines[line.delivery_line_id].unit_cost,
                )
                for line in lines
            ],
        )
        for line, move in zip(lines, moves, strict=True):
            line.cost = move.value
        SalesReturnLine.objects.bulk_update(lines, ["cost"])
        DeliveryLine.objects.bulk_update(list(delivery_lines.values()), ["returned_quantity", "invoiced_quantity"])
        sales_return.total_cost = sum((line.cost for line in lines), ZERO)
        transition(sales_return, to=Status.POSTED, actor=actor, reason=_("Posted"), extra_fields=("total_cost",))
        _emit(sales_return, moves)
        _credit_invoiced(sales_return, to_credit, actor=actor)
    return sales_return


def _credit_invoiced(sales_return: SalesReturn, to_credit: dict[int, Decimal], *, actor) -> None:
    """Credit the invoiced part of the returned goods, newest invoice lines first, one note per invoice."""
    by_invoice: dict[int, list[dict]] = defaultdict(list)
    for delivery_line_id, quantity in to_credit.items():
        remaining = quantity
        invoice_lines = InvoiceLine.objects.filter(
            delivery_line_id=delivery_line_id, invoice__status__in=["posted", "paid"]
        ).order_by("-id")
        for invoice_line in invoice_lines:
            left = invoice_line.quantity - invoice_line.credited_quantity
            take = min(left, remaining)
            if take > 0:
                by_invoice[invoice_line.invoice_id].append({"invoice_line": invoice_line, "quantity": take})
                remaining -= take
            if remaining <= 0:
                break
    for entries in by_invoice.values():
        note = create_credit_note(
            actor=actor,
            invoice=entries[0]["invoice_line"].invoice,
            document_date=sales_return.document_date,
            lines=entries,
            sales_return=sales_return,
            reason=_("Return %(number)s: %(reason)s") % {"number": sales_return.number, "reason": sales_return.reason},
        )
        post_credit_note(actor=actor, credit_note=note)


def _emit(sales_return: SalesReturn, moves: list[StockMove]) -> None:
    lines = money_lines(moves, counter_role="cogs", partner_id=sales_return.customer_id)
    if not lines:
        return
    description = _("Return %(number)s from %(customer)s") % {
        "number": sales_return.number,
        "customer": sales_return.customer.name,
    }
    emit(
        kind="sales.return.posted",
        source=sales_return,
        company_id=sales_return.company_id,
        payload=event_payload(
            document=sales_return, on_date=sales_return.document_date, description=description, lines=lines
        ),
    )


def cancel_draft_return(*, actor, sales_return: SalesReturn, reason: str) -> SalesReturn:
    reason = require_reason(reason, _("Say why the return is cancelled."))
    with transaction.atomic():
        sales_return = lock_document(sales_return)
        require_status(sales_return, Status.DRAFT, message=_("Only a draft return can be cancelled."))
        return transition(sales_return, to=Status.CANCELLED, actor=actor, reason=reason)
