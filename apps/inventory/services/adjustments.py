"""Stock adjustments: stock found or lost, posted against the inventory-adjustment account."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.approvals import services as approvals
from apps.core.documents import lock_document, require_status, stamp_history, transition, update_rows
from apps.core.money import ZERO, round_quantity
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.posting import one_check_per_date
from apps.masterdata.models import Company, Warehouse

from ..models import Lot, StockAdjustment, StockAdjustmentLine, StockMove
from .documents import save_line
from .ledger import MoveLine, StockError, lot_for_receipt, post_moves, reverse_moves
from .postings import event_payload, money_lines

COUNTER_ROLE = "inventory_adjustment"
LINE_FIELDS = ("item", "location", "quantity", "unit_cost", "lot_number", "expiry_date")
RELATIONS = ["company", "warehouse", "created_by", "modified_by"]


def _check_lines(*, company: Company, warehouse: Warehouse, lines: list[dict[str, Any]]) -> None:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        item, location = line.get("item"), line.get("location")
        quantity = line.get("quantity")
        if item is None or item.company_id != company.pk:
            errors[f"{prefix}.item"] = [_("Choose an item of this company.")]
        if location is None or location.warehouse_id != warehouse.pk:
            errors[f"{prefix}.location"] = [_("Choose a location in the document's warehouse.")]
        elif location.kind == location.Kind.TRANSIT:
            errors[f"{prefix}.location"] = [_("Stock in transit is adjusted through its transfer.")]
        if quantity is None or round_quantity(quantity) == 0:
            errors[f"{prefix}.quantity"] = [_("Enter a quantity other than zero.")]
        if line.get("unit_cost") is not None and line["unit_cost"] < 0:
            errors[f"{prefix}.unit_cost"] = [_("The unit cost cannot be negative.")]
        if item is not None and item.lot_tracked and not (line.get("lot_number") or "").strip():
            errors[f"{prefix}.lot_number"] = [_("This item is lot-tracked: enter the lot number.")]
    if errors:
        raise ValidationError(errors)


def create_adjustment(
    *, actor, company: Company, warehouse: Warehouse, reason: str, document_date: date, lines: list[dict[str, Any]]
) -> StockAdjustment:
    if warehouse.company_id != company.pk:
        raise ValidationError({"warehouse": [_("The warehouse belongs to another company.")]})
    _check_lines(company=company, warehouse=warehouse, lines=lines)
    with transaction.atomic():
        adjustment = StockAdjustment(
            company=company,
            warehouse=warehouse,
            reason=reason.strip(),
            document_date=document_date,
            status=StockAdjustment.Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(
                company_id=company.pk, document_type=StockAdjustment.DOCUMENT_TYPE, on_date=document_date
            ),
        )
        stamp_history(adjustment, actor=actor, reason=_("Created"))
        # The company, warehouse and actor were checked above; the number is unique by its sequence.
        adjustment.full_clean(exclude=RELATIONS, validate_unique=False, validate_constraints=False)
        adjustment.save()
        for line in lines:
            save_line(
                StockAdjustmentLine(adjustment=adjustment), line, LINE_FIELDS, actor=actor, checked_by_caller=True
            )
    return adjustment


def update_adjustment(
    *, actor, adjustment: StockAdjustment, reason: str, document_date: date, lines: list[dict[str, Any]]
) -> StockAdjustment:
    """Replace a draft's header and lines; editing one that waits for approval withdraws the request."""
    _check_lines(company=adjustment.company, warehouse=adjustment.warehouse, lines=lines)
    with transaction.atomic():
        adjustment = lock_document(adjustment)
        if adjustment.status == StockAdjustment.Status.PENDING_APPROVAL:
            approvals.withdraw(document=adjustment, actor=actor, reason=_("Edited while waiting for approval"))
            adjustment.refresh_from_db()
        require_status(adjustment, StockAdjustment.Status.DRAFT, message=_("Only a draft can be edited."))
        adjustment.reason, adjustment.document_date, adjustment.modified_by = reason.strip(), document_date, actor
        stamp_history(adjustment, actor=actor, reason=_("Edited"))
        adjustment.save()
        existing = {line.pk: line for line in adjustment.lines.all()}
        for line in lines:
            record = existing.pop(line.get("id"), None) or StockAdjustmentLine(adjustment=adjustment)
            save_line(record, line, LINE_FIELDS, actor=actor, checked_by_caller=True)
        for stale in existing.values():
            stamp_history(stale, actor=actor)
            stale.delete()
    return adjustment


POSTING_LINES = StockAdjustmentLine.objects.select_related("item", "location__warehouse").order_by("id")


def _move_lines(adjustment: StockAdjustment, lines: list[StockAdjustmentLine]) -> list[MoveLine]:
    move_lines = []
    for line in lines:
        lot = None
        if line.item.lot_tracked:
            if line.quantity > 0:
                lot = lot_for_receipt(
                    company=adjustment.company, item=line.item, number=line.lot_number, expiry_date=line.expiry_date
                )
            else:
                lot = Lot.objects.filter(item=line.item, number=line.lot_number.strip()).first()
                if lot is None:
                    raise StockError(
                        _("%(item)s has no lot %(lot)s to take from.") % {"item": line.item, "lot": line.lot_number},
                        code="lot_unknown",
                    )
        if line.quantity > 0:
            move_lines.append(
                MoveLine(
                    item=line.item, quantity=line.quantity, to_location=line.location, lot=lot, unit_cost=line.unit_cost
                )
            )
        else:
            move_lines.append(MoveLine(item=line.item, quantity=-line.quantity, from_location=line.location, lot=lot))
    return move_lines


def post_adjustment(*, actor, adjustment: StockAdjustment, posting_date: date | None = None) -> StockAdjustment:
    """Post a draft (or send it for approval when a rule asks for one), or post an approved one.

    Posting writes the stock moves, values each line and emits the money event, in one transaction.
    """
    with transaction.atomic(), one_check_per_date():
        adjustment = lock_document(adjustment, "warehouse", "created_by")
        # Read once, for the approval's facts and for posting.
        prefetch_related_objects([adjustment], Prefetch("lines", queryset=POSTING_LINES))
        if adjustment.status == StockAdjustment.Status.DRAFT:
            request = approvals.submit(document=adjustment, actor=actor)
            if request.status == request.Status.PENDING:
                transition(
                    adjustment,
                    to=StockAdjustment.Status.PENDING_APPROVAL,
                    actor=actor,
                    reason=_("Submitted for approval"),
                )
                return adjustment
        lines = list(adjustment.lines.all())
        moves = post_moves(
            company=adjustment.company,
            kind=StockMove.Kind.ADJUSTMENT,
            lines=_move_lines(adjustment, lines),
            source=adjustment,
            source_number=adjustment.number,
            move_date=posting_date or adjustment.document_date,
            actor=actor,
        )
        total = ZERO
        for line, move in zip(lines, moves, strict=True):
            line.value = move.value if line.quantity > 0 else -move.value
            total += line.value
        update_rows(lines, ["value"])
        adjustment.total_value = total
        transition(
            adjustment, to=StockAdjustment.Status.POSTED, actor=actor, reason=_("Posted"), extra_fields=("total_value",)
        )
        _emit(adjustment, moves, kind="inventory.adjustment.posted", on_date=moves[0].move_date)
    return adjustment


def cancel_adjustment(*, actor, adjustment: StockAdjustment, reason: str) -> StockAdjustment:
    """A draft is simply cancelled; a posted adjustment is reversed on today's date."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the adjustment is cancelled.")]})
    with transaction.atomic():
        adjustment = lock_document(adjustment)
        was_posted = adjustment.status == StockAdjustment.Status.POSTED
        transition(adjustment, to=StockAdjustment.Status.CANCELLED, actor=actor, reason=reason.strip())
        if was_posted:
            today = timezone.localdate()
            reversals = reverse_moves(company=adjustment.company, source=adjustment, move_date=today, actor=actor)
            _emit(adjustment, reversals, kind="inventory.adjustment.cancelled", on_date=today)
    return adjustment


def _emit(adjustment: StockAdjustment, moves: list[StockMove], *, kind: str, on_date: date) -> None:
    lines = money_lines(moves, counter_role=COUNTER_ROLE)
    if not lines:
        return
    description = _("Stock adjustment %(number)s: %(reason)s") % {
        "number": adjustment.number,
        "reason": adjustment.reason,
    }
    emit(
        kind=kind,
        source=adjustment,
        company_id=adjustment.company_id,
        payload=event_payload(document=adjustment, on_date=on_date, description=description, lines=lines),
    )
