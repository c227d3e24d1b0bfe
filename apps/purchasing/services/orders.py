"""Purchase orders: priced lines in the purchase unit, approval by rule, receipt progress, closing."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.approvals import services as approvals
from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_quantity, to_base
from apps.core.numbering import next_number
from apps.masterdata.models import Company, Currency, Partner, PaymentTerms, Warehouse
from apps.masterdata.selectors import document_rate, unit_factor

from ..models import PurchaseOrder, PurchaseOrderLine
from .common import check_supplier, line_amounts

Status = PurchaseOrder.Status


def _order_lines(company: Company, warehouse: Warehouse, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate the lines and complete them: unit, factor to the base unit, tax rate, amounts."""
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    completed = []
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        item = line.get("item")
        if item is None or item.company_id != company.pk or not item.active:
            errors[f"{prefix}.item"] = [_("Choose an active item of this company.")]
            continue
        quantity, price = line.get("quantity"), line.get("price")
        if quantity is None or quantity <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
        if price is None or price < 0:
            errors[f"{prefix}.price"] = [_("Enter a price of zero or more.")]
        unit = line.get("unit") or item.purchase_unit or item.base_unit
        factor = unit_factor(item=item, from_unit_id=unit.pk, to_unit_id=item.base_unit_id)
        if factor is None:
            errors[f"{prefix}.unit"] = [
                _("%(item)s has no conversion from %(unit)s to %(base)s.")
                % {"item": item, "unit": unit.code, "base": item.base_unit.code}
            ]
        tax_rate = line.get("tax_rate") or item.tax_rate
        if tax_rate is None:
            errors[f"{prefix}.tax_rate"] = [_("Choose a tax rate.")]
        line_warehouse = line.get("warehouse") or warehouse
        if line_warehouse.company_id != company.pk:
            errors[f"{prefix}.warehouse"] = [_("The warehouse belongs to another company.")]
        if errors:
            continue
        quantity, price = round_quantity(quantity), round_quantity(price)
        net, tax = line_amounts(quantity, price, tax_rate)
        completed.append(
            {
                "id": line.get("id"),
                "item": item,
                "description": (line.get("description") or "").strip(),
                "quantity": quantity,
                "unit": unit,
                "factor": factor,
                "base_quantity": round_quantity(quantity * factor),
                "price": price,
                "tax_rate": tax_rate,
                "net_amount": net,
                "tax_amount": tax,
                "expected_date": line.get("expected_date"),
                "warehouse": line_warehouse,
                "requisition_line": line.get("requisition_line"),
            }
        )
    if errors:
        raise ValidationError(errors)
    return completed


def _write_lines(order: PurchaseOrder, lines: list[dict[str, Any]], *, actor) -> None:
    existing = {line.pk: line for line in order.lines.all()}
    for values in lines:
        line = existing.pop(values.pop("id", None), None) or PurchaseOrderLine(order=order)
        for name, value in values.items():
            setattr(line, name, value)
        stamp_history(line, actor=actor)
        line.save()
    for stale in existing.values():
        stamp_history(stale, actor=actor)
        stale.delete()
    order.subtotal = sum((line["net_amount"] for line in lines), ZERO)
    order.tax_total = sum((line["tax_amount"] for line in lines), ZERO)
    order.total = order.subtotal + order.tax_total
    order.base_total = to_base(order.total, order.exchange_rate)


def create_order(
    *,
    actor,
    company: Company,
    supplier: Partner,
    warehouse: Warehouse,
    document_date: date,
    expected_date: date,
    lines: list[dict[str, Any]],
    currency: Currency | None = None,
    exchange_rate: Decimal | None = None,
    payment_terms: PaymentTerms | None = None,
    supplier_reference: str = "",
    note: str = "",
) -> PurchaseOrder:
    check_supplier(company, supplier)
    if warehouse.company_id != company.pk:
        raise ValidationError({"warehouse": [_("The warehouse belongs to another company.")]})
    currency = currency or supplier.currency or company.base_currency
    rate = document_rate(company, currency, document_date, exchange_rate)
    completed = _order_lines(company, warehouse, lines)
    with transaction.atomic():
        order = PurchaseOrder(
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            document_date=document_date,
            expected_date=expected_date,
            currency=currency,
            exchange_rate=rate,
            payment_terms=payment_terms or supplier.payment_terms,
            supplier_reference=supplier_reference.strip(),
            note=note.strip(),
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=PurchaseOrder.DOCUMENT_TYPE, on_date=document_date),
        )
        stamp_history(order, actor=actor, reason=_("Created"))
        order.save()
        _write_lines(order, completed, actor=actor)
        order.save(update_fields=["subtotal", "tax_total", "total", "base_total"])
    return order


def update_order(
    *,
    actor,
    order: PurchaseOrder,
    document_date: date,
    expected_date: date,
    lines: list[dict[str, Any]],
    exchange_rate: Decimal | None = None,
    payment_terms: PaymentTerms | None = None,
    supplier_reference: str = "",
    note: str = "",
) -> PurchaseOrder:
    """Edit a draft; an order waiting for approval is withdrawn from it first."""
    with transaction.atomic():
        order = lock_document(order)
        if order.status == Status.PENDING_APPROVAL:
            approvals.withdraw(document=order, actor=actor, reason=_("Edited while waiting for approval"))
            order.refresh_from_db()
        require_status(order, Status.DRAFT, message=_("Only a draft order can be edited."))
        completed = _order_lines(order.company, order.warehouse, lines)
        order.document_date, order.expected_date = document_date, expected_date
        order.exchange_rate = document_rate(order.company, order.currency, document_date, exchange_rate)
        order.payment_terms, order.supplier_reference, order.note = (
            payment_terms,
            supplier_reference.strip(),
            note.strip(),
        )
        order.modified_by = actor
        _write_lines(order, completed, actor=actor)
        stamp_history(order, actor=actor, reason=_("Edited"))
        order.save()
    return order


def confirm_order(*, actor, order: PurchaseOrder) -> PurchaseOrder:
    """Submit: an order a rule catches waits for approval; otherwise it is confirmed to the supplier."""
    with transaction.atomic():
        order = lock_document(order)
        require_status(order, Status.DRAFT, message=_("Only a draft order can be submitted."))
        request = approvals.submit(document=order, actor=actor)
        if request.status == request.Status.PENDING:
            return transition(order, to=Status.PENDING_APPROVAL, actor=actor, reason=_("Submitted for approval"))
        return transition(order, to=Status.CONFIRMED, actor=actor, reason=_("Confirmed"))


def refresh_receipt_status(
    order: PurchaseOrder, *, actor, current_lines: Sequence[PurchaseOrderLine] = ()
) -> PurchaseOrder:
    """Set the order's status from its lines' progress (called after receipts, bills, returns, closing lines).

    `current_lines` are some of the order's lines as the caller has just saved them: while one of them is
    received in part, the order is partly received whatever its other lines, so those are not read.
    """
    if order.status in (Status.CLOSED, Status.CANCELLED):
        return order
    if any(line.received_quantity > 0 and not _received_in_full(line) for line in current_lines):
        wanted = Status.PARTIALLY_RECEIVED
    else:
        wanted = _receipt_status(list(order.lines.all()))
    if wanted != order.status:
        transition(order, to=wanted, actor=actor, reason=_("Receipt progress"))
    return order


def _received_in_full(line: PurchaseOrderLine) -> bool:
    return line.closed_short or line.received_quantity >= line.base_quantity


def _receipt_status(lines: list[PurchaseOrderLine]) -> str:
    done = all(_received_in_full(line) for line in lines)
    started = any(line.received_quantity > 0 for line in lines)
    billed = all(line.closed_short or line.billed_quantity >= line.received_quantity for line in lines)
    if done and billed and started:
        return Status.CLOSED
    if done and started:
        return Status.RECEIVED
    if started:
        return Status.PARTIALLY_RECEIVED
    if all(line.closed_short for line in lines):
        return Status.CLOSED
    return Status.CONFIRMED


def close_line_short(*, actor, line: PurchaseOrderLine, reason: str) -> PurchaseOrderLine:
    """Stop expecting the rest of a line; what was received stays."""
    reason = require_reason(reason, _("Say why the line is closed short."))
    with transaction.atomic():
        order = lock_document(line.order)
        require_status(
            order,
            Status.CONFIRMED,
            Status.PARTIALLY_RECEIVED,
            message=_("Only lines of a confirmed order can be closed short."),
        )
        line = PurchaseOrderLine.objects.select_for_update(of=("self",)).get(pk=line.pk)
        line.closed_short = True
        stamp_history(line, actor=actor, reason=reason)
        line.save(update_fields=["closed_short"])
        refresh_receipt_status(order, actor=actor)
    return line


def cancel_order(*, actor, order: PurchaseOrder, reason: str) -> PurchaseOrder:
    """Cancel what is not received: an order with receipts keeps them and is closed short instead."""
    reason = require_reason(reason, _("Say why the order is cancelled."))
    with transaction.atomic():
        order = lock_document(order)
        if order.status == Status.PENDING_APPROVAL:
            approvals.withdraw(document=order, actor=actor, reason=reason)
            order.refresh_from_db()
        if order.lines.filter(received_quantity__gt=0).exists():
            require_status(order, Status.PARTIALLY_RECEIVED, message=_("This order can no longer be cancelled."))
            order.lines.update(closed_short=True)
            return refresh_receipt_status(order, actor=actor)
        return transition(order, to=Status.CANCELLED, actor=actor, reason=reason)


def close_order(*, actor, order: PurchaseOrder, reason: str) -> PurchaseOrder:
    """Close a received (or partly received) order: nothing more will come or be billed."""
    reason = require_reason(reason, _("Say why the order is closed."))
    with transaction.atomic():
        order = lock_document(order)
        require_status(
            order,
            Status.RECEIVED,
            Status.PARTIALLY_RECEIVED,
            Status.CONFIRMED,
            message=_("Only a confirmed or received order can be closed."),
        )
        order.lines.update(closed_short=True)
        return transition(order, to=Status.CLOSED, actor=actor, reason=reason)
