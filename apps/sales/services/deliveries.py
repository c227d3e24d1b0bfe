"""Deliveries: pick from locations (reserved stock first, lots by earliest expiry), stock out at moving
average cost, Dr COGS / Cr Inventory through the outbox; what is not shipped stays a backorder."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_quantity
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.inventory.models import Lot, Reservation, StockBalance, StockMove
from apps.inventory.services import MoveLine, post_moves, release_reservations, reverse_moves
from apps.inventory.services.postings import event_payload, money_lines
from apps.masterdata.models import Location

from ..models import Delivery, DeliveryLine, SalesOrder, SalesOrderLine
from .common import SalesError
from .orders import refresh_delivery_status

Status = Delivery.Status
DELIVERABLE = (SalesOrder.Status.CONFIRMED, SalesOrder.Status.PARTIALLY_DELIVERED)


@dataclass(frozen=True)
class Pick:
    order_line: SalesOrderLine
    location: Location
    lot: Lot | None
    quantity: Decimal


def suggest_picks(order: SalesOrder) -> list[Pick]:
    """Where to take each open line from: its reservations first, then other available stock in the
    line's warehouse, earliest expiring lots first."""
    picks = []
    lines = [
        line
        for line in order.lines.select_related("item").order_by("id")
        if line.open_quantity > 0 and line.item.item_type == line.item.ItemType.STOCK
    ]
    reservations = Reservation.objects.filter(
        source_id=order.pk, source_line_id__in=[line.pk for line in lines], status=Reservation.Status.OPEN
    ).select_related("location", "lot")
    balances = list(
        StockBalance.objects.filter(item_id__in=[line.item_id for line in lines], on_hand__gt=F("reserved"))
        .exclude(location__kind=Location.Kind.TRANSIT)
        .select_related("location", "lot")
    )
    for line in lines:
        wanted = line.open_quantity
        for reservation in (r for r in reservations if r.source_line_id == line.pk):
            take = min(wanted, reservation.open_quantity)
            if take > 0:
                picks.append(Pick(line, reservation.location, reservation.lot, take))
                wanted -= take
        candidates = sorted(
            (b for b in balances if b.item_id == line.item_id and b.warehouse_id == line.warehouse_id),
            key=lambda b: (b.lot.expiry_date or date.max if b.lot else date.max, -(b.on_hand - b.reserved)),
        )
        for balance in candidates:
            if wanted <= 0:
                break
            take = min(wanted, balance.on_hand - balance.reserved)
            picks.append(Pick(line, balance.location, balance.lot, take))
            wanted -= take
    return picks


def _fresh(lines: list[dict]) -> list[dict]:
    ids = [line["order_line"].pk for line in lines if line.get("order_line") is not None]
    current = SalesOrderLine.objects.select_related("order", "item").in_bulk(ids)
    return [
        {**line, "order_line": current.get(line["order_line"].pk) if line.get("order_line") else None} for line in lines
    ]


def _check_lines(order: SalesOrder, lines: list[dict[str, Any]]) -> None:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        order_line, location = line.get("order_line"), line.get("location")
        if order_line is None or order_line.order_id != order.pk:
            errors[f"{prefix}.order_line"] = [_("Choose a line of this order.")]
            continue
        if (
            location is None
            or location.warehouse_id != order_line.warehouse_id
            or location.kind == Location.Kind.TRANSIT
        ):
            errors[f"{prefix}.location"] = [_("Pick from a location of the line's warehouse.")]
        if line.get("quantity") is None or line["quantity"] <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
        lot = line.get("lot")
        if order_line.item.lot_tracked and lot is None:
            errors[f"{prefix}.lot"] = [_("This item is lot-tracked: choose the lot.")]
        if lot is not None and lot.item_id != order_line.item_id:
            errors[f"{prefix}.lot"] = [_("The lot belongs to another item.")]
    if errors:
        raise ValidationError(errors)


def create_delivery(
    *,
    actor,
    order: SalesOrder,
    document_date: date,
    lines: list[dict[str, Any]] | None = None,
    shipping_address: str = "",
) -> Delivery:
    """A draft delivery of the given picks, or of the suggested picks for everything open."""
    order = SalesOrder.objects.select_related("company", "customer").get(pk=order.pk)
    require_status(order, *DELIVERABLE, message=_("Only a confirmed order can be delivered."))
    if lines is None:
        lines = [
            {"order_line": p.order_line, "location": p.location, "lot": p.lot, "quantity": p.quantity}
            for p in suggest_picks(order)
        ]
        if not lines:
            raise SalesError(
                _("Nothing of this order is in stock to deliver."), code="nothing_to_deliver", status_code=409
            )
    lines = _fresh(lines)
    _check_lines(order, lines)
    warehouse = lines[0]["order_line"].warehouse
    with transaction.atomic():
        delivery = Delivery(
            company=order.company,
            customer=order.customer,
            order=order,
            warehouse=warehouse,
            document_date=document_date,
            shipping_address=shipping_address.strip(),
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(
                company_id=order.company_id, document_type=Delivery.DOCUMENT_TYPE, on_date=document_date
            ),
        )
        stamp_history(delivery, actor=actor, reason=_("Created"))
        delivery.save()
        for values in lines:
            line = DeliveryLine(
                delivery=delivery,
                order_line=values["order_line"],
                item=values["order_line"].item,
                quantity=round_quantity(values["quantity"]),
                location=values["location"],
                lot=values.get("lot"),
            )
            stamp_history(line, actor=actor)
            line.save()
    return delivery


def post_delivery(*, actor, delivery: Delivery) -> Delivery:
    """Ship: stock out (consuming the order's reservations), order lines advanced, COGS emitted."""
    with transaction.atomic():
        delivery = lock_document(delivery)
        require_status(delivery, Status.DRAFT, message=_("Only a draft delivery can be shipped."))
        order = lock_document(delivery.order)
        require_status(
            order,
            *DELIVERABLE,
            message=_("%(order)s is %(status)s; it cannot be delivered.")
            % {"order": order.number, "status": order.get_status_display()},
        )
        lines = list(delivery.lines.select_related("item", "location__warehouse", "lot").order_by("id"))
        order_lines = {
            line.pk: line
            for line in SalesOrderLine.objects.select_for_update(of=("self",))
            .filter(pk__in={line.order_line_id for line in lines})
            .select_related("item")
            .order_by("pk")
        }
        shipping: dict[int, Decimal] = {}
        for line in lines:
            shipping[line.order_line_id] = shipping.get(line.order_line_id, ZERO) + line.quantity
        for order_line_id, quantity in shipping.items():
            order_line = order_lines[order_line_id]
            if quantity > order_line.open_quantity:
                raise SalesError(
                    _("%(item)s: %(quantity)s is more than the %(open)s still to deliver.")
                    % {
                        "item": order_line.item,
                        "quantity": quantity.normalize(),
                        "open": order_line.open_quantity.normalize(),
                    },
                    code="over_delivery",
                    status_code=409,
                )
        reservations = {
            (r.source_line_id, r.location_id, r.lot_id): r
            for r in Reservation.objects.filter(
                source_id=order.pk, source_line_id__in=list(order_lines), status=Reservation.Status.OPEN
            )
        }
        move_lines = [
            MoveLine(
                item=line.item,
                quantity=line.quantity,
                from_location=line.location,
                lot=line.lot,
                reservation=reservations.get((line.order_line_id, line.location_id, line.lot_id)),
            )
            for line in lines
        ]
        moves = post_moves(
            company=delivery.company,
            kind=StockMove.Kind.DELIVERY,
            lines=move_lines,
            source=delivery,
            source_number=delivery.number,
            move_date=delivery.document_date,
            actor=actor,
        )
        for line, move, move_line in zip(lines, moves, move_lines, strict=True):
            line.unit_cost, line.cost = move.unit_cost, move.value
            order_line = order_lines[line.order_line_id]
            order_line.delivered_quantity += line.quantity
            if move_line.reservation is not None:
                order_line.reserved_quantity -= min(line.quantity, order_line.reserved_quantity)
        DeliveryLine.objects.bulk_update(lines, ["unit_cost", "cost"])
        SalesOrderLine.objects.bulk_update(list(order_lines.values()), ["delivered_quantity", "reserved_quantity"])
        for order_line in order_lines.values():
            if order_line.open_quantity == 0 and order_line.reserved_quantity:
                release_reservations(source=order, actor=actor, source_line_id=order_line.pk)
                SalesOrderLine.objects.filter(pk=order_line.pk).update(reserved_quantity=0)
        delivery.total_cost = sum((line.cost for line in lines), ZERO)
        transition(delivery, to=Status.POSTED, actor=actor, reason=_("Shipped"), extra_fields=("total_cost",))
        refresh_delivery_status(order, actor=actor)
        _emit(delivery, moves, kind="sales.delivery.posted", on_date=delivery.document_date)
    return delivery


def cancel_delivery(*, actor, delivery: Delivery, reason: str) -> Delivery:
    """Undo a shipment nothing was invoiced or returned against (the goods come back on today's date)."""
    reason = require_reason(reason, _("Say why the delivery is cancelled."))
    with transaction.atomic():
        delivery = lock_document(delivery)
        was_posted = delivery.status == Status.POSTED
        lines = list(delivery.lines.all())
        if was_posted and any(line.invoiced_quantity or line.returned_quantity for line in lines):
            raise SalesError(
                _("Goods of this delivery were invoiced or returned; use a return instead."),
                code="delivery_in_use",
                status_code=409,
            )
        transition(delivery, to=Status.CANCELLED, actor=actor, reason=reason)
        if was_posted:
            today = timezone.localdate()
            reversals = reverse_moves(company=delivery.company, source=delivery, move_date=today, actor=actor)
            for line in lines:
                SalesOrderLine.objects.filter(pk=line.order_line_id).update(
                    delivered_quantity=F("delivered_quantity") - line.quantity
                )
            order = lock_document(delivery.order)
            refresh_delivery_status(order, actor=actor)
            _emit(delivery, reversals, kind="sales.delivery.cancelled", on_date=today)
    return delivery


def _emit(delivery: Delivery, moves: list[StockMove], *, kind: str, on_date: date) -> None:
    lines = money_lines(moves, counter_role="cogs", partner_id=delivery.customer_id)
    if not lines:
        return
    description = _("Delivery %(number)s to %(customer)s") % {
        "number": delivery.number,
        "customer": delivery.customer.name,
    }
    emit(
        kind=kind,
        source=delivery,
        company_id=delivery.company_id,
        payload=event_payload(document=delivery, on_date=on_date, description=description, lines=lines),
    )
