"""Purchase requisitions: internal requests to buy, approvable, turned into orders grouped by supplier."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from apps.approvals import services as approvals
from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_quantity
from apps.core.numbering import next_number
from apps.masterdata.models import Company, Item, Warehouse

from ..models import PurchaseOrder, PurchaseRequisition, RequisitionLine
from .orders import create_order

Status = PurchaseRequisition.Status
ORDERABLE = (Status.APPROVED, Status.PARTIALLY_ORDERED)


def _check_lines(company: Company, lines: list[dict[str, Any]]) -> None:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    for index, line in enumerate(lines):
        item = line.get("item")
        if item is None or item.company_id != company.pk or not item.active:
            errors[f"lines.{index}.item"] = [_("Choose an active item of this company.")]
        if line.get("quantity") is None or line["quantity"] <= 0:
            errors[f"lines.{index}.quantity"] = [_("Enter a positive quantity.")]
        supplier = line.get("suggested_supplier")
        if supplier is not None and (supplier.company_id != company.pk or not supplier.is_supplier):
            errors[f"lines.{index}.suggested_supplier"] = [_("Choose a supplier of this company.")]
    if errors:
        raise ValidationError(errors)


def _write_lines(requisition: PurchaseRequisition, lines: list[dict[str, Any]], *, actor) -> None:
    existing = {line.pk: line for line in requisition.lines.all()}
    for values in lines:
        line = existing.pop(values.get("id"), None) or RequisitionLine(requisition=requisition)
        line.item, line.quantity = values["item"], round_quantity(values["quantity"])
        line.needed_by = values.get("needed_by")
        line.suggested_supplier = values.get("suggested_supplier")
        line.estimated_price = round_quantity(values.get("estimated_price") or values["item"].standard_price)
        stamp_history(line, actor=actor)
        line.save()
    for stale in existing.values():
        stamp_history(stale, actor=actor)
        stale.delete()


def create_requisition(
    *,
    actor,
    company: Company,
    warehouse: Warehouse,
    document_date: date,
    needed_by: date,
    reason: str,
    lines: list[dict[str, Any]],
) -> PurchaseRequisition:
    if warehouse.company_id != company.pk:
        raise ValidationError({"warehouse": [_("The warehouse belongs to another company.")]})
    reason = require_reason(reason, _("Say what the goods are needed for."))
    _check_lines(company, lines)
    with transaction.atomic():
        requisition = PurchaseRequisition(
            company=company,
            warehouse=warehouse,
            document_date=document_date,
            needed_by=needed_by,
            reason=reason,
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(
                company_id=company.pk, document_type=PurchaseRequisition.DOCUMENT_TYPE, on_date=document_date
            ),
        )
        stamp_history(requisition, actor=actor, reason=_("Created"))
        requisition.save()
        _write_lines(requisition, lines, actor=actor)
    return requisition


def update_requisition(
    *, actor, requisition: PurchaseRequisition, needed_by: date, reason: str, lines: list[dict[str, Any]]
) -> PurchaseRequisition:
    with transaction.atomic():
        requisition = lock_document(requisition)
        if requisition.status == Status.PENDING_APPROVAL:
            approvals.withdraw(document=requisition, actor=actor, reason=_("Edited while waiting for approval"))
            requisition.refresh_from_db()
        require_status(requisition, Status.DRAFT, message=_("Only a draft requisition can be edited."))
        _check_lines(requisition.company, lines)
        requisition.needed_by, requisition.reason, requisition.modified_by = needed_by, reason.strip(), actor
        stamp_history(requisition, actor=actor, reason=_("Edited"))
        requisition.save()
        _write_lines(requisition, lines, actor=actor)
    return requisition


def submit_requisition(*, actor, requisition: PurchaseRequisition) -> PurchaseRequisition:
    with transaction.atomic():
        requisition = lock_document(requisition)
        require_status(requisition, Status.DRAFT, message=_("Only a draft requisition can be submitted."))
        request = approvals.submit(document=requisition, actor=actor)
        if request.status == request.Status.PENDING:
            return transition(requisition, to=Status.PENDING_APPROVAL, actor=actor, reason=_("Submitted for approval"))
        return transition(requisition, to=Status.APPROVED, actor=actor, reason=_("No approval needed"))


def convert_to_orders(
    *, actor, requisition: PurchaseRequisition, lines: list[dict[str, Any]], document_date: date
) -> list[PurchaseOrder]:
    """Order some or all of an approved requisition: one draft order per supplier.

    Each entry: {"line": RequisitionLine, "supplier": Partner, "quantity": base quantity, "price": per base unit}.
    """
    with transaction.atomic():
        requisition = lock_document(requisition)
        require_status(requisition, *ORDERABLE, message=_("Only an approved requisition can be ordered."))
        own = {
            line.pk: line
            for line in RequisitionLine.objects.select_for_update(of=("self",))
            .filter(requisition=requisition)
            .select_related("item")
            .order_by("pk")
        }
        errors: dict[str, list[str]] = {}
        by_supplier: dict[int, list[dict]] = defaultdict(list)
        suppliers = {}
        for index, entry in enumerate(lines):
            line = own.get(entry["line"].pk) if entry.get("line") else None
            quantity = round_quantity(entry.get("quantity") or (line.open_quantity if line else ZERO))
            supplier = entry.get("supplier") or (line.suggested_supplier if line else None)
            if line is None:
                errors[f"lines.{index}.line"] = [_("This line is not part of the requisition.")]
            elif quantity <= 0 or quantity > line.open_quantity:
                errors[f"lines.{index}.quantity"] = [
                    _("Order between 0 and %(open)s.") % {"open": line.open_quantity.normalize()}
                ]
            if supplier is None:
                errors[f"lines.{index}.supplier"] = [_("Choose the supplier to order from.")]
            if errors:
                continue
            suppliers[supplier.pk] = supplier
            by_supplier[supplier.pk].append(
                {
                    "item": line.item,
                    "quantity": quantity,
                    "unit": line.item.base_unit,
                    "price": entry.get("price") if entry.get("price") is not None else line.estimated_price,
                    "expected_date": line.needed_by or requisition.needed_by,
                    "requisition_line": line,
                }
            )
        if errors:
            raise ValidationError(errors)
        orders = [
            create_order(
                actor=actor,
                company=requisition.company,
                supplier=suppliers[supplier_id],
                warehouse=requisition.warehouse,
                document_date=document_date,
                expected_date=min(line["expected_date"] for line in order_lines),
                lines=order_lines,
                note=_("From requisition %(number)s") % {"number": requisition.number},
            )
            for supplier_id, order_lines in by_supplier.items()
        ]
        for order_lines in by_supplier.values():
            for entry in order_lines:
                RequisitionLine.objects.filter(pk=entry["requisition_line"].pk).update(
                    ordered_quantity=F("ordered_quantity") + entry["quantity"]
                )
        remaining = RequisitionLine.objects.filter(requisition=requisition, ordered_quantity__lt=F("quantity"))
        wanted = Status.PARTIALLY_ORDERED if remaining.exists() else Status.ORDERED
        if wanted != requisition.status:
            transition(requisition, to=wanted, actor=actor, reason=_("Ordered"))
    return orders


def requisition_from_reorder(
    *,
    actor,
    company: Company,
    warehouse: Warehouse,
    items: list[tuple[Item, Decimal]],
    document_date: date,
    needed_by: date,
) -> PurchaseRequisition:
    """Turn reorder suggestions (item, suggested quantity) into one draft requisition."""
    lines = [{"item": item, "quantity": quantity} for item, quantity in items if quantity > 0]
    return create_requisition(
        actor=actor,
        company=company,
        warehouse=warehouse,
        document_date=document_date,
        needed_by=needed_by,
        reason=_("Below reorder point"),
        lines=lines,
    )


def cancel_requisition(*, actor, requisition: PurchaseRequisition, reason: str) -> PurchaseRequisition:
    """A requisition nothing was ordered from is cancelled; one partly ordered is closed."""
    reason = require_reason(reason, _("Say why the requisition is cancelled."))
    with transaction.atomic():
        requisition = lock_document(requisition)
        if requisition.status == Status.PENDING_APPROVAL:
            approvals.withdraw(document=requisition, actor=actor, reason=reason)
            requisition.refresh_from_db()
        if requisition.status == Status.PARTIALLY_ORDERED:
            return transition(requisition, to=Status.CLOSED, actor=actor, reason=reason)
        return transition(requisition, to=Status.CANCELLED, actor=actor, reason=reason)


def estimated_amount(requisition: PurchaseRequisition) -> Decimal:
    return sum((line.quantity * line.estimated_price for line in requisition.lines.all()), ZERO)
