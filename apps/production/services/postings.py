"""Material issue and production output: stock out of and into the warehouse, money through WIP.

Work in progress is held by the work order (its issued cost less the value of its output), not by a
stock location: the stock ledger values only what sits on shelves, so inventory still reconciles to
its accounts, and the WIP account reconciles to the open work orders.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_status, stamp_history
from apps.core.money import ZERO, round_quantity
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.inventory.models import Lot, Reservation, StockBalance, StockMove
from apps.inventory.services import MoveLine, StockError, lot_for_receipt, post_moves
from apps.inventory.services.postings import event_payload, money_lines
from apps.masterdata.models import Item, Location

from ..models import LotGenealogy, MaterialIssue, MaterialIssueLine, ProductionOutput, WorkOrder, WorkOrderComponent
from .common import default_location
from .work_orders import WIP, ensure_started, refresh_reserved

OPEN_FOR_PRODUCTION = (WorkOrder.Status.RELEASED, WorkOrder.Status.IN_PROGRESS)


@dataclass(frozen=True)
class IssueLine:
    """One component to issue: base-unit quantity; location and lot may come from its reservation."""

    item: Item
    quantity: Decimal
    from_location: Location | None = None
    lot: Lot | None = None


def _open_reservations(work_order: WorkOrder) -> list[Reservation]:
    source_type = ContentType.objects.get_for_model(WorkOrder)
    return list(
        Reservation.objects.filter(source_type=source_type, source_id=work_order.pk, status=Reservation.Status.OPEN)
        .select_related("location__warehouse", "lot", "balance")
        .order_by("id")
    )


def _move_lines(
    work_order: WorkOrder, lines: list[IssueLine], components: dict[int, WorkOrderComponent]
) -> list[tuple[WorkOrderComponent, MoveLine]]:
    reservations = _open_reservations(work_order)
    errors: dict[str, list[str]] = {}
    planned = []
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        component = components.get(line.item.pk)
        if component is None:
            errors[f"{prefix}.item"] = [
                _("%(item)s is not a component of %(number)s.") % {"item": line.item, "number": work_order.number}
            ]
            continue
        if line.quantity is None or line.quantity <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
            continue
        held = [
            r
            for r in reservations
            if r.item_id == line.item.pk
            and (line.from_location is None or r.location_id == line.from_location.pk)
            and (line.lot is None or r.lot_id == line.lot.pk)
        ]
        location = line.from_location or (held[0].location if held else None)
        lot = line.lot or (held[0].lot if held else None)
        if location is None:
            errors[f"{prefix}.from_location"] = [_("Name the location to take %(item)s from.") % {"item": line.item}]
            continue
        if location.warehouse_id != work_order.warehouse_id:
            errors[f"{prefix}.from_location"] = [_("The location is in another warehouse.")]
            continue
        reservation = next(
            (r for r in held if r.location_id == location.pk and r.lot_id == (lot.pk if lot else None)), None
        )
        planned.append(
            (
                component,
                MoveLine(
                    item=line.item, quantity=line.quantity, from_location=location, lot=lot, reservation=reservation
                ),
            )
        )
    if errors:
        raise ValidationError(errors)
    return _merged(planned)


def _merged(planned: list[tuple[WorkOrderComponent, MoveLine]]) -> list[tuple[WorkOrderComponent, MoveLine]]:
    """One move per component, location and lot: a reservation is consumed once, by the whole quantity
    taken from its stock (what it does not cover comes from free stock in the same move)."""
    merged: dict[tuple, tuple[WorkOrderComponent, MoveLine]] = {}
    for component, move in planned:
        key = (component.pk, move.from_location.pk, move.lot.pk if move.lot else None)
        if key in merged:
            move = replace(move, quantity=merged[key][1].quantity + move.quantity)
        merged[key] = (component, move)
    return list(merged.values())


def _post_issue(
    *, actor, work_order: WorkOrder, lines: list[IssueLine], posting_date: date, backflushed: bool, note: str = ""
) -> MaterialIssue:
    """Inside the caller's transaction, with the work order locked."""
    components = {c.item_id: c for c in work_order.components.select_related("item").select_for_update(of=("self",))}
    planned = _move_lines(work_order, lines, components)
    issue = MaterialIssue(
        company=work_order.company,
        work_order=work_order,
        warehouse=work_order.warehouse,
        posting_date=posting_date,
        document_date=posting_date,
        backflushed=backflushed,
        note=note,
        status=MaterialIssue.Status.POSTED,
        created_by=actor,
        modified_by=actor,
        number=next_number(
            company_id=work_order.company_id, document_type=MaterialIssue.DOCUMENT_TYPE, on_date=posting_date
        ),
    )
    stamp_history(issue, actor=actor, reason=_("Backflushed") if backflushed else _("Posted"))
    issue.save()
    moves = post_moves(
        company=work_order.company,
        kind=StockMove.Kind.MATERIAL_ISSUE,
        lines=[move_line for _component, move_line in planned],
        source=issue,
        source_number=issue.number,
        move_date=posting_date,
        actor=actor,
    )
    for (component, move_line), move in zip(planned, moves, strict=True):
        line = MaterialIssueLine(
            issue=issue,
            component=component,
            item=move_line.item,
            quantity=move.quantity,
            lot=move_line.lot,
            from_location=move_line.from_location,
            unit_cost=move.unit_cost,
            value=move.value,
        )
        stamp_history(line, actor=actor)
        line.save()
        component.issued_quantity += move.quantity
        component.issued_value += move.value
        issue.total_value += move.value
    WorkOrderComponent.objects.bulk_update(list(components.values()), ["issued_quantity", "issued_value"])
    issue.save(update_fields=["total_value"])
    work_order.issued_cost += issue.total_value
    work_order.save(update_fields=["issued_cost", "modified_at"])
    refresh_reserved(work_order)
    lines_money = money_lines(moves, counter_role=WIP)
    if lines_money:
        description = _("Material issue %(number)s to work order %(order)s") % {
            "number": issue.number,
            "order": work_order.number,
        }
        emit(
            kind="production.issue.posted",
            source=issue,
            company_id=issue.company_id,
            payload=event_payload(document=issue, on_date=posting_date, description=description, lines=lines_money),
        )
    return issue


def issue_materials(
    *, actor, work_order: WorkOrder, lines: list[IssueLine], posting_date: date | None = None, note: str = ""
) -> MaterialIssue:
    """Components out of stock into the order's work in progress, at moving-average cost."""
    posting_date = posting_date or timezone.localdate()
    with transaction.atomic():
        work_order = lock_document(work_order, "warehouse", "item")
        require_status(
            work_order, *OPEN_FOR_PRODUCTION, message=_("Material is issued only to a released or started work order.")
        )
        if not lines:
            raise ValidationError({"lines": [_("Add at least one component to issue.")]})
        ensure_started(work_order, actor=actor)
        return _post_issue(
            actor=actor, work_order=work_order, lines=lines, posting_date=posting_date, backflushed=False, note=note
        )


def _backflush_lines(work_order: WorkOrder, made: Decimal) -> list[IssueLine]:
    """What `made` units consume of each component, taken from its reservations first, then from any
    available stock of the warehouse (earliest expiry first)."""
    reservations = _open_reservations(work_order)
    lines: list[IssueLine] = []
    short: dict[Item, Decimal] = {}
    for component in work_order.components.select_related("item").order_by("id"):
        wanted = round_quantity(component.required_quantity * made / work_order.quantity)
        for reservation in (r for r in reservations if r.source_line_id == component.pk):
            take = min(wanted, reservation.open_quantity)
            if take > 0:
                lines.append(IssueLine(component.item, take, reservation.location, reservation.lot))
                wanted -= take
        if wanted > 0:
            short[component.item] = short.get(component.item, ZERO) + wanted
    if short:
        lines.extend(_unreserved_stock(work_order, short))
    return lines


def _unreserved_stock(work_order: WorkOrder, short: dict[Item, Decimal]) -> list[IssueLine]:
    """`short` (what each item still needs) taken from the warehouse's unreserved stock, read in one query."""
    balances = (
        StockBalance.objects.filter(warehouse=work_order.warehouse, item__in=short, on_hand__gt=0)
        .exclude(location__kind=Location.Kind.TRANSIT)
        .select_related("location__warehouse", "lot")
        .order_by("item_id", "lot__expiry_date", "location_id", "lot_id")
    )
    by_item: dict[int, list[StockBalance]] = {}
    for balance in balances:
        by_item.setdefault(balance.item_id, []).append(balance)
    lines = []
    for item, wanted in short.items():
        for balance in by_item.get(item.pk, []):
            take = min(wanted, balance.on_hand - balance.reserved)
            if take > 0:
                lines.append(IssueLine(item, take, balance.location, balance.lot))
                wanted -= take
            if wanted <= 0:
                break
        if wanted > 0:
            raise StockError(
                _("Not enough %(item)s in %(warehouse)s to backflush: %(missing)s short.")
                % {"item": item, "warehouse": work_order.warehouse, "missing": wanted.normalize()},
                code="insufficient_stock",
                status_code=409,
            )
    return lines


def output_unit_cost(work_order: WorkOrder) -> Decimal:
    """The order's accumulated cost per unit: each component at the average cost it was issued at,
    times what one unit needs of it. What output does not absorb is the variance at closing."""
    unit_cost = ZERO
    for component in work_order.components.all():
        if component.issued_quantity > 0:
            per_unit = component.required_quantity / work_order.quantity
            unit_cost += component.issued_value / component.issued_quantity * per_unit
    return round_quantity(unit_cost)


def _record_genealogy(output: ProductionOutput, work_order: WorkOrder) -> None:
    issued_lots = (
        MaterialIssueLine.objects.filter(
            issue__work_order=work_order, issue__status=MaterialIssue.Status.POSTED, lot__isnull=False
        )
        .values("lot_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("lot_id")
    )
    LotGenealogy.objects.bulk_create(
        [
            LotGenealogy(output=output, output_lot=output.lot, component_lot_id=row["lot_id"], quantity=row["quantity"])
            for row in issued_lots
        ]
    )


def _check_output(work_order: WorkOrder, good: Decimal, scrap: Decimal, scrap_reason: str, location) -> None:
    errors: dict[str, list[str]] = {}
    if good < 0:
        errors["quantity"] = [_("The quantity cannot be negative.")]
    if scrap < 0:
        errors["scrap_quantity"] = [_("The scrap quantity cannot be negative.")]
    if good <= 0 and scrap <= 0:
        errors["quantity"] = [_("Report a good or a scrapped quantity.")]
    if scrap > 0 and not scrap_reason.strip():
        errors["scrap_reason"] = [_("Say why the scrap happened.")]
    if location is not None and location.warehouse_id != work_order.warehouse_id:
        errors["location"] = [_("The location is in another warehouse.")]
    if errors:
        raise ValidationError(errors)


def post_output(
    *,
    actor,
    work_order: WorkOrder,
    quantity: Decimal,
    scrap_quantity: Decimal = ZERO,
    scrap_reason: str = "",
    lot_number: str = "",
    expiry_date: date | None = None,
    location: Location | None = None,
    posting_date: date | None = None,
) -> ProductionOutput:
    """Good units into stock at the order's accumulated cost per unit (a lot if the item is tracked,
    recording which component lots went into it); scrap recorded with its reason."""
    posting_date = posting_date or timezone.localdate()
    good, scrap = round_quantity(quantity or ZERO), round_quantity(scrap_quantity or ZERO)
    with transaction.atomic():
        work_order = lock_document(work_order, "warehouse", "item", "output_location")
        require_status(
            work_order, *OPEN_FOR_PRODUCTION, message=_("Output is reported only on a released or started work order.")
        )
        _check_output(work_order, good, scrap, scrap_reason, location)
        location = location or work_order.output_location or default_location(work_order.warehouse)
        ensure_started(work_order, actor=actor)
        if work_order.backflush:
            _post_issue(
                actor=actor,
                work_order=work_order,
                lines=_backflush_lines(work_order, good + scrap),
                posting_date=posting_date,
                backflushed=True,
            )
        item = work_order.item
        lot = None
        if good > 0 and item.lot_tracked:
            lot = lot_for_receipt(company=work_order.company, item=item, number=lot_number, expiry_date=expiry_date)
        elif lot_number.strip() and not item.lot_tracked:
            raise ValidationError({"lot_number": [_("%(item)s is not lot-tracked.") % {"item": item}]})
        output = ProductionOutput(
            company=work_order.company,
            work_order=work_order,
            item=item,
            warehouse=work_order.warehouse,
            location=location,
            quantity=good,
            scrap_quantity=scrap,
            scrap_reason=scrap_reason.strip(),
            lot=lot,
            posting_date=posting_date,
            document_date=posting_date,
            status=ProductionOutput.Status.POSTED,
            unit_cost=output_unit_cost(work_order),
            created_by=actor,
            modified_by=actor,
            number=next_number(
                company_id=work_order.company_id, document_type=ProductionOutput.DOCUMENT_TYPE, on_date=posting_date
            ),
        )
        stamp_history(output, actor=actor, reason=_("Posted"))
        output.save()
        if good > 0:
            _receive_output(output, actor=actor)
        if lot is not None:
            _record_genealogy(output, work_order)
        work_order.output_quantity += good
        work_order.scrap_quantity += scrap
        work_order.output_value += output.value
        work_order.modified_by = actor
        stamp_history(work_order, actor=actor, reason=_("Output %(number)s") % {"number": output.number})
        work_order.save(
            update_fields=["output_quantity", "scrap_quantity", "output_value", "modified_by", "modified_at"]
        )
    return output


def _receive_output(output: ProductionOutput, *, actor) -> None:
    moves = post_moves(
        company=output.company,
        kind=StockMove.Kind.PRODUCTION_OUTPUT,
        lines=[
            MoveLine(
                item=output.item,
                quantity=output.quantity,
                to_location=output.location,
                lot=output.lot,
                unit_cost=output.unit_cost,
            )
        ],
        source=output,
        source_number=output.number,
        move_date=output.posting_date,
        actor=actor,
    )
    output.value = moves[0].value
    output.save(update_fields=["value"])
    lines = money_lines(moves, counter_role=WIP)
    if lines:
        description = _("Output %(number)s of work order %(order)s") % {
            "number": output.number,
            "order": output.work_order.number,
        }
        emit(
            kind="production.output.posted",
            source=output,
            company_id=output.company_id,
            payload=event_payload(document=output, on_date=output.posting_date, description=description, lines=lines),
        )
