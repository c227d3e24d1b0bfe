"""Goods receipts: stock in at the order's price (in base currency), GRNI credited through the outbox."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from apps.core.documents import (
    lock_document,
    require_reason,
    require_status,
    stamp_history,
    transition,
    update_rows,
)
from apps.core.money import ZERO, round_amount, round_quantity
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.posting import one_check_per_date
from apps.inventory.models import StockMove
from apps.inventory.services import MoveLine, lot_for_receipt, post_moves, reverse_moves
from apps.inventory.services.postings import event_payload, money_lines
from apps.masterdata.models import Company, Location, Partner, Warehouse

from ..models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine
from .common import WITH_SETTINGS, PurchasingError, check_supplier, settings_for
from .orders import refresh_receipt_status

Status = GoodsReceipt.Status
# A received order still takes deliveries up to the over-receipt tolerance.
RECEIVABLE = (PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.PARTIALLY_RECEIVED, PurchaseOrder.Status.RECEIVED)


def _fresh(lines: list[dict]) -> list[dict]:
    """The caller's order lines re-read with their orders, so the checks see the current status."""
    ids = [line["order_line"].pk for line in lines if line.get("order_line") is not None]
    current = PurchaseOrderLine.objects.select_related("order", "item").in_bulk(ids)
    return [
        {**line, "order_line": current.get(line["order_line"].pk) if line.get("order_line") else None} for line in lines
    ]


def _check_lines(company: Company, supplier: Partner, warehouse: Warehouse, lines: list[dict]) -> None:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        order_line: PurchaseOrderLine | None = line.get("order_line")
        location: Location | None = line.get("location")
        if (
            order_line is None
            or order_line.order.company_id != company.pk
            or order_line.order.supplier_id != supplier.pk
        ):
            errors[f"{prefix}.order_line"] = [_("Choose an order line of this supplier.")]
            continue
        if order_line.order.status not in RECEIVABLE or order_line.closed_short:
            errors[f"{prefix}.order_line"] = [
                _("%(order)s is %(status)s; nothing more can be received on it.")
                % {"order": order_line.order.number, "status": order_line.order.get_status_display()}
            ]
        if location is None or location.warehouse_id != warehouse.pk or location.kind == Location.Kind.TRANSIT:
            errors[f"{prefix}.location"] = [_("Choose a location in the receiving warehouse.")]
        if line.get("quantity") is None or line["quantity"] <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
        if order_line.item.lot_tracked and not (line.get("lot_number") or "").strip():
            errors[f"{prefix}.lot_number"] = [_("This item is lot-tracked: enter the lot number.")]
    if errors:
        raise ValidationError(errors)


def create_receipt(
    *,
    actor,
    company: Company,
    supplier: Partner,
    warehouse: Warehouse,
    document_date: date,
    lines: list[dict[str, Any]],
    delivery_note: str = "",
) -> GoodsReceipt:
    check_supplier(company, supplier)
    lines = _fresh(lines)
    _check_lines(company, supplier, warehouse, lines)
    with transaction.atomic():
        receipt = GoodsReceipt(
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            document_date=document_date,
            delivery_note=delivery_note.strip(),
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=GoodsReceipt.DOCUMENT_TYPE, on_date=document_date),
        )
        stamp_history(receipt, actor=actor, reason=_("Created"))
        receipt.save()
        _write_lines(receipt, lines, actor=actor, existing={})
    return receipt


def _write_lines(receipt: GoodsReceipt, lines: list[dict], *, actor, existing: dict[int, GoodsReceiptLine]) -> None:
    """Lines matching an `existing` id are changed; new ones are inserted together with their history;
    the existing lines left over are deleted."""
    added = []
    for values in lines:
        line = existing.pop(values.get("id"), None)
        if line is None:
            line = GoodsReceiptLine(receipt=receipt)
            added.append(line)
        line.order_line = values["order_line"]
        line.item = values["order_line"].item
        line.quantity = round_quantity(values["quantity"])
        line.unit_cost = receipt_unit_cost(line.order_line)
        line.value = round_amount(line.quantity * line.unit_cost)
        line.location = values["location"]
        line.lot_number = (values.get("lot_number") or "").strip()
        line.expiry_date = values.get("expiry_date")
        stamp_history(line, actor=actor)
        if line.pk:
            line.save()
    bulk_create_with_history(added, GoodsReceiptLine, default_user=actor)
    for stale in existing.values():
        stamp_history(stale, actor=actor)
        stale.delete()


def update_receipt(
    *, actor, receipt: GoodsReceipt, document_date: date, lines: list[dict], delivery_note: str = ""
) -> GoodsReceipt:
    with transaction.atomic():
        receipt = lock_document(receipt)
        require_status(receipt, Status.DRAFT, message=_("Only a draft receipt can be edited."))
        lines = _fresh(lines)
        _check_lines(receipt.company, receipt.supplier, receipt.warehouse, lines)
        receipt.document_date, receipt.delivery_note, receipt.modified_by = document_date, delivery_note.strip(), actor
        stamp_history(receipt, actor=actor, reason=_("Edited"))
        receipt.save()
        _write_lines(receipt, lines, actor=actor, existing={line.pk: line for line in receipt.lines.all()})
    return receipt


def _check_over_receipt(
    order_lines: dict[int, PurchaseOrderLine], lines: list[GoodsReceiptLine], tolerance_percent: Decimal
) -> None:
    wanted: dict[int, Decimal] = {}
    for line in lines:
        wanted[line.order_line_id] = wanted.get(line.order_line_id, ZERO) + line.quantity
    for order_line_id, quantity in wanted.items():
        order_line = order_lines[order_line_id]
        limit = order_line.base_quantity * (1 + tolerance_percent / 100)
        if order_line.received_quantity + quantity > limit:
            allowed = max(limit - order_line.received_quantity, ZERO)
            raise PurchasingError(
                _(
                    "%(item)s: receiving %(quantity)s would exceed the order (%(ordered)s, %(received)s already"
                    " received, tolerance %(tolerance)s%%); at most %(allowed)s can be received."
                )
                % {
                    "item": order_line.item,
                    "quantity": quantity.normalize(),
                    "ordered": order_line.base_quantity.normalize(),
                    "received": order_line.received_quantity.normalize(),
                    "tolerance": tolerance_percent.normalize(),
                    "allowed": allowed.normalize(),
                },
                code="over_receipt",
                status_code=409,
                details={"order_line": order_line_id, "allowed": str(allowed)},
            )


def post_receipt(*, actor, receipt: GoodsReceipt) -> GoodsReceipt:
    """Stock in at the order price, order lines advanced, Dr Inventory / Cr GRNI emitted; one transaction."""
    with transaction.atomic(), one_check_per_date():
        receipt, lines = _lock_for_posting(receipt)
        require_status(receipt, Status.DRAFT, message=_("Only a draft receipt can be posted."))
        order_lines = {line.order_line_id: line.order_line for line in lines}
        for line in lines:
            order = order_lines[line.order_line_id].order
            if order.status not in RECEIVABLE or order_lines[line.order_line_id].closed_short:
                raise PurchasingError(
                    _("%(order)s is %(status)s; nothing more can be received on it.")
                    % {"order": order.number, "status": order.get_status_display()},
                    code="order_not_open",
                    status_code=409,
                )
        _check_over_receipt(order_lines, lines, settings_for(receipt.company).over_receipt_percent)
        as_drafted = {line.pk: (line.unit_cost, line.value, line.lot_id) for line in lines}
        move_lines = []
        for line in lines:
            line.unit_cost = receipt_unit_cost(order_lines[line.order_line_id])
            if line.item.lot_tracked:
                line.lot = lot_for_receipt(
                    company=receipt.company, item=line.item, number=line.lot_number, expiry_date=line.expiry_date
                )
            move_lines.append(
                MoveLine(
                    item=line.item,
                    quantity=line.quantity,
                    to_location=line.location,
                    lot=line.lot,
                    unit_cost=line.unit_cost,
                )
            )
        moves = post_moves(
            company=receipt.company,
            kind=StockMove.Kind.RECEIPT,
            lines=move_lines,
            source=receipt,
            source_number=receipt.number,
            move_date=receipt.document_date,
            actor=actor,
        )
        for line, move in zip(lines, moves, strict=True):
            line.value = move.value
        # Drafts carry their cost and value already: only the lines posting changed are written, and the
        # lot column only when posting gave a line its lot.
        changed = [line for line in lines if (line.unit_cost, line.value, line.lot_id) != as_drafted[line.pk]]
        update_rows(changed, ["unit_cost", "value", *(["lot"] if any(line.lot_id for line in changed) else [])])
        _advance(order_lines, lines)
        receipt.total_value = sum((line.value for line in lines), ZERO)
        transition(receipt, to=Status.POSTED, actor=actor, reason=_("Posted"), extra_fields=("total_value",))
        by_order: dict[int, list[PurchaseOrderLine]] = defaultdict(list)
        for order_line in order_lines.values():
            by_order[order_line.order_id].append(order_line)
        for lines_of_order in by_order.values():
            refresh_receipt_status(lines_of_order[0].order, actor=actor, current_lines=lines_of_order)
        _emit(receipt, moves, kind="purchasing.receipt.posted", on_date=receipt.document_date)
    return receipt


def receipt_unit_cost(order_line: PurchaseOrderLine) -> Decimal:
    """What a base unit received on `order_line` costs: the order price, in base currency."""
    return round_quantity(order_line.price / order_line.factor * order_line.order.exchange_rate)


def _lock_for_posting(receipt: GoodsReceipt) -> tuple[GoodsReceipt, list[GoodsReceiptLine]]:
    """The receipt locked, then the order lines of its lines, in id order: two receipts against one
    order queue here, not over-receive. Returns the receipt and its lines.

    Two statements rather than one join: the receipt's company, supplier and settings would otherwise
    come back, and be built into objects, once per line."""
    receipt = lock_document(receipt, "supplier", *WITH_SETTINGS)
    rows = list(
        GoodsReceiptLine.objects.filter(receipt_id=receipt.pk)
        .select_for_update(of=("order_line",))
        .select_related("item", "location__warehouse", "order_line__order")
        .order_by("order_line_id", "pk")
    )
    for line in rows:
        line.receipt = receipt
    return receipt, sorted(rows, key=lambda line: line.pk)


def _advance(order_lines: dict[int, PurchaseOrderLine], lines: list[GoodsReceiptLine]) -> None:
    """Add the received quantities to the (locked) order lines, written in one statement."""
    for line in lines:
        order_lines[line.order_line_id].received_quantity += line.quantity
    update_rows(list(order_lines.values()), ["received_quantity"])


def cancel_receipt(*, actor, receipt: GoodsReceipt, reason: str) -> GoodsReceipt:
    """A posted receipt nothing was billed or returned against is reversed on today's date."""
    reason = require_reason(reason, _("Say why the receipt is cancelled."))
    with transaction.atomic():
        receipt = lock_document(receipt, "supplier")
        was_posted = receipt.status == Status.POSTED
        lines = list(receipt.lines.select_related("order_line__order"))
        if was_posted and any(line.billed_quantity or line.returned_quantity for line in lines):
            raise PurchasingError(
                _("Goods of this receipt were billed or returned; cancel those first."),
                code="receipt_in_use",
                status_code=409,
            )
        transition(receipt, to=Status.CANCELLED, actor=actor, reason=reason)
        if was_posted:
            today = timezone.localdate()
            reversals = reverse_moves(company=receipt.company, source=receipt, move_date=today, actor=actor)
            for line in lines:
                PurchaseOrderLine.objects.filter(pk=line.order_line_id).update(
                    received_quantity=F("received_quantity") - line.quantity
                )
            for order in {line.order_line.order for line in lines}:
                order.refresh_from_db()
                refresh_receipt_status(order, actor=actor)
            _emit(receipt, reversals, kind="purchasing.receipt.cancelled", on_date=today)
    return receipt


def _emit(receipt: GoodsReceipt, moves: list[StockMove], *, kind: str, on_date: date) -> None:
    lines = money_lines(moves, counter_role="grni", partner_id=receipt.supplier_id)
    if not lines:
        return
    description = _("Goods receipt %(number)s from %(supplier)s") % {
        "number": receipt.number,
        "supplier": receipt.supplier.name,
    }
    emit(
        kind=kind,
        source=receipt,
        company_id=receipt.company_id,
        payload=event_payload(document=receipt, on_date=on_date, description=description, lines=lines),
    )
