"""Internal transfers: between locations at once; between warehouses through an in-transit step."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_status, stamp_history, transition
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.masterdata.models import Company, Location, Warehouse

from ..models import StockMove, StockTransfer, StockTransferLine
from .documents import save_line
from .ledger import MoveLine, post_moves, reverse_moves
from .postings import event_payload, money_lines

LINE_FIELDS = ("item", "from_location", "to_location", "lot", "quantity")
TRANSIT_CODE = "TRANSIT"


def transit_location(warehouse: Warehouse) -> Location:
    """Where stock bound for `warehouse` waits between shipping and receiving (one per warehouse)."""
    location, _created = Location.objects.get_or_create(
        warehouse=warehouse,
        code=TRANSIT_CODE,
        defaults={"kind": Location.Kind.TRANSIT, "name": _("In transit"), "path": "/"},
    )
    if location.path == "/":
        location.path = f"/{location.pk}/"
        Location.objects.filter(pk=location.pk).update(path=location.path)
    return location


def _check(*, company: Company, from_warehouse: Warehouse, to_warehouse: Warehouse, lines: list[dict]) -> None:
    errors: dict[str, list[str]] = {}
    if from_warehouse.company_id != company.pk or to_warehouse.company_id != company.pk:
        errors["to_warehouse"] = [_("Both warehouses must belong to the company.")]
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        item, source, target = line.get("item"), line.get("from_location"), line.get("to_location")
        if item is None or item.company_id != company.pk:
            errors[f"{prefix}.item"] = [_("Choose an item of this company.")]
        if source is None or source.warehouse_id != from_warehouse.pk or source.kind == Location.Kind.TRANSIT:
            errors[f"{prefix}.from_location"] = [_("Choose a location in the sending warehouse.")]
        if target is None or target.warehouse_id != to_warehouse.pk or target.kind == Location.Kind.TRANSIT:
            errors[f"{prefix}.to_location"] = [_("Choose a location in the receiving warehouse.")]
        if source is not None and source == target:
            errors[f"{prefix}.to_location"] = [_("The destination must differ from the source.")]
        if line.get("quantity") is None or line["quantity"] <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
        if item is not None and item.lot_tracked and line.get("lot") is None:
            errors[f"{prefix}.lot"] = [_("This item is lot-tracked: choose the lot.")]
        if line.get("lot") is not None and item is not None and line["lot"].item_id != item.pk:
            errors[f"{prefix}.lot"] = [_("The lot belongs to another item.")]
    if errors:
        raise ValidationError(errors)


def create_transfer(
    *,
    actor,
    company: Company,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    document_date: date,
    lines: list[dict[str, Any]],
    note: str = "",
) -> StockTransfer:
    _check(company=company, from_warehouse=from_warehouse, to_warehouse=to_warehouse, lines=lines)
    with transaction.atomic():
        transfer = StockTransfer(
            company=company,
            from_warehouse=from_warehouse,
            to_warehouse=to_warehouse,
            document_date=document_date,
            note=note.strip(),
            status=StockTransfer.Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=StockTransfer.DOCUMENT_TYPE, on_date=document_date),
        )
        stamp_history(transfer, actor=actor, reason=_("Created"))
        transfer.full_clean()
        transfer.save()
        for line in lines:
            save_line(StockTransferLine(transfer=transfer), line, LINE_FIELDS, actor=actor)
    return transfer


def update_transfer(
    *, actor, transfer: StockTransfer, document_date: date, lines: list[dict], note: str = ""
) -> StockTransfer:
    _check(
        company=transfer.company,
        from_warehouse=transfer.from_warehouse,
        to_warehouse=transfer.to_warehouse,
        lines=lines,
    )
    with transaction.atomic():
        transfer = lock_document(transfer)
        require_status(transfer, StockTransfer.Status.DRAFT, message=_("Only a draft can be edited."))
        transfer.document_date, transfer.note, transfer.modified_by = document_date, note.strip(), actor
        stamp_history(transfer, actor=actor, reason=_("Edited"))
        transfer.save()
        existing = {line.pk: line for line in transfer.lines.all()}
        for line in lines:
            record = existing.pop(line.get("id"), None) or StockTransferLine(transfer=transfer)
            save_line(record, line, LINE_FIELDS, actor=actor)
        for stale in existing.values():
            stamp_history(stale, actor=actor)
            stale.delete()
    return transfer


def _lines(transfer: StockTransfer) -> list[StockTransferLine]:
    return list(transfer.lines.select_related("item", "from_location__warehouse", "to_location__warehouse", "lot"))


def complete_transfer(*, actor, transfer: StockTransfer) -> StockTransfer:
    """Within one warehouse: move the stock now. Between warehouses: ship it into transit."""
    with transaction.atomic():
        transfer = lock_document(transfer)
        if transfer.crosses_warehouses:
            return _ship(transfer, actor=actor)
        lines = _lines(transfer)
        post_moves(
            company=transfer.company,
            kind=StockMove.Kind.TRANSFER,
            source=transfer,
            source_number=transfer.number,
            move_date=transfer.document_date,
            actor=actor,
            lines=[
                MoveLine(
                    item=line.item,
                    quantity=line.quantity,
                    from_location=line.from_location,
                    to_location=line.to_location,
                    lot=line.lot,
                )
                for line in lines
            ],
        )
        transfer.received_date = transfer.shipped_date = transfer.document_date
        transition(
            transfer,
            to=StockTransfer.Status.DONE,
            actor=actor,
            reason=_("Moved"),
            extra_fields=("shipped_date", "received_date"),
        )
    return transfer


def _ship(transfer: StockTransfer, *, actor) -> StockTransfer:
    transit = transit_location(transfer.to_warehouse)
    on_date = transfer.document_date
    moves = post_moves(
        company=transfer.company,
        kind=StockMove.Kind.TRANSIT_OUT,
        source=transfer,
        source_number=transfer.number,
        move_date=on_date,
        actor=actor,
        lines=[
            MoveLine(
                item=line.item,
                quantity=line.quantity,
                from_location=line.from_location,
                to_location=transit,
                lot=line.lot,
            )
            for line in _lines(transfer)
        ],
    )
    transfer.shipped_date = on_date
    transition(
        transfer, to=StockTransfer.Status.IN_TRANSIT, actor=actor, reason=_("Shipped"), extra_fields=("shipped_date",)
    )
    _emit(transfer, moves, kind="inventory.transfer.shipped", on_date=on_date)
    return transfer


def receive_transfer(*, actor, transfer: StockTransfer, received_date: date | None = None) -> StockTransfer:
    """Stock arrives from transit into the receiving warehouse's locations (same warehouse: no money moves)."""
    with transaction.atomic():
        transfer = lock_document(transfer)
        require_status(
            transfer, StockTransfer.Status.IN_TRANSIT, message=_("Only a transfer in transit can be received.")
        )
        transit = transit_location(transfer.to_warehouse)
        on_date = received_date or timezone.localdate()
        post_moves(
            company=transfer.company,
            kind=StockMove.Kind.TRANSIT_IN,
            source=transfer,
            source_number=transfer.number,
            move_date=on_date,
            actor=actor,
            lines=[
                MoveLine(
                    item=line.item,
                    quantity=line.quantity,
                    from_location=transit,
                    to_location=line.to_location,
                    lot=line.lot,
                )
                for line in _lines(transfer)
            ],
        )
        transfer.received_date = on_date
        transition(
            transfer, to=StockTransfer.Status.DONE, actor=actor, reason=_("Received"), extra_fields=("received_date",)
        )
    return transfer


def cancel_transfer(*, actor, transfer: StockTransfer, reason: str) -> StockTransfer:
    """A draft is cancelled; a transfer in transit goes back to where it came from."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the transfer is cancelled.")]})
    with transaction.atomic():
        transfer = lock_document(transfer)
        in_transit = transfer.status == StockTransfer.Status.IN_TRANSIT
        transition(transfer, to=StockTransfer.Status.CANCELLED, actor=actor, reason=reason.strip())
        if in_transit:
            today = timezone.localdate()
            reversals = reverse_moves(company=transfer.company, source=transfer, move_date=today, actor=actor)
            _emit(transfer, reversals, kind="inventory.transfer.cancelled", on_date=today)
    return transfer


def _emit(transfer: StockTransfer, moves: list[StockMove], *, kind: str, on_date: date) -> None:
    lines = money_lines(moves, counter_role="inventory")
    if not lines:
        return
    description = _("Stock transfer %(number)s") % {"number": transfer.number}
    emit(
        kind=kind,
        source=transfer,
        company_id=transfer.company_id,
        payload=event_payload(document=transfer, on_date=on_date, description=description, lines=lines),
    )
