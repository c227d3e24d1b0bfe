"""Stock counts: freeze the locations, snapshot what the ledger expects, post what was found.

While a count is counting, its locations are frozen: `post_moves` refuses any move in or out of
them (checked after it has locked its balance rows, so a move that waited on a lock still sees a
freeze committed meanwhile). The snapshot locks the balance rows it reads. One window remains: a
receipt into a location that had no balance row for that item yet, committed in the instant
between the snapshot and the freeze becoming visible, is not in the snapshot; its quantity then
shows as a difference when counted, and the count's confirmation posts the truth.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_status, stamp_history, transition
from apps.core.money import ZERO, round_quantity
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.masterdata.models import Company, Location, Warehouse

from ..models import LocationFreeze, Lot, StockBalance, StockCount, StockCountLine, StockMove
from .ledger import MoveLine, StockError, post_moves
from .postings import event_payload, money_lines

COUNTER_ROLE = "inventory_adjustment"


def create_count(
    *,
    actor,
    company: Company,
    warehouse: Warehouse,
    document_date: date,
    locations: list[Location] = (),
    note: str = "",
) -> StockCount:
    if warehouse.company_id != company.pk:
        raise ValidationError({"warehouse": [_("The warehouse belongs to another company.")]})
    if any(location.warehouse_id != warehouse.pk for location in locations):
        raise ValidationError({"locations": [_("Every location must be in the counted warehouse.")]})
    with transaction.atomic():
        count = StockCount(
            company=company,
            warehouse=warehouse,
            document_date=document_date,
            note=note.strip(),
            status=StockCount.Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=StockCount.DOCUMENT_TYPE, on_date=document_date),
        )
        stamp_history(count, actor=actor, reason=_("Created"))
        count.full_clean()
        count.save()
        count.locations.set(locations)
    return count


def counted_locations(count: StockCount) -> list[Location]:
    """The named locations and everything under them; none named means the whole warehouse."""
    chosen = list(count.locations.all())
    queryset = Location.objects.filter(warehouse=count.warehouse).exclude(kind=Location.Kind.TRANSIT)
    if not chosen:
        return list(queryset)
    paths = [location.path for location in chosen]
    return [location for location in queryset if any(location.path.startswith(path) for path in paths)]


def start_count(*, actor, count: StockCount) -> StockCount:
    """Freeze the locations and record the expected quantities."""
    with transaction.atomic():
        count = lock_document(count)
        require_status(count, StockCount.Status.DRAFT, message=_("Only a draft count can be started."))
        locations = counted_locations(count)
        if not locations:
            raise StockError(_("The warehouse has no locations to count."), code="no_locations")
        try:
            with transaction.atomic():
                LocationFreeze.objects.bulk_create([LocationFreeze(location=loc, count=count) for loc in locations])
        except IntegrityError as exc:
            busy = LocationFreeze.objects.filter(location__in=locations).select_related("count", "location").first()
            raise StockError(
                _("Location %(location)s is already being counted by %(count)s.")
                % {"location": busy.location if busy else "", "count": busy.count if busy else ""},
                code="location_frozen",
                status_code=409,
            ) from exc
        balances = (
            StockBalance.objects.select_for_update()
            .filter(location__in=locations)
            .exclude(on_hand=0)
            .order_by("item_id", "location_id", "lot_id")
        )
        lines = [
            StockCountLine(
                count=count, item_id=b.item_id, location_id=b.location_id, lot_id=b.lot_id, expected_quantity=b.on_hand
            )
            for b in balances
        ]
        StockCountLine.objects.bulk_create(lines)
        count.started_at = timezone.now()
        transition(
            count,
            to=StockCount.Status.COUNTING,
            actor=actor,
            reason=_("Counting started"),
            extra_fields=("started_at",),
        )
    return count


def record_counts(*, actor, count: StockCount, entries: list[dict[str, Any]]) -> StockCount:
    """Enter counted quantities: {"line": id, "counted_quantity": q} for expected lines, or
    {"item", "location", "lot_number", "expiry_date", "counted_quantity"} for stock found that was not expected."""
    with transaction.atomic():
        count = lock_document(count)
        require_status(
            count, StockCount.Status.COUNTING, message=_("Quantities are entered while the count is counting.")
        )
        lines = {line.pk: line for line in count.lines.all()}
        frozen = set(LocationFreeze.objects.filter(count=count).values_list("location_id", flat=True))
        errors: dict[str, list[str]] = {}
        for index, entry in enumerate(entries):
            counted = entry.get("counted_quantity")
            if counted is None or counted < 0:
                errors[f"entries.{index}.counted_quantity"] = [_("Enter the counted quantity (zero or more).")]
                continue
            counted = round_quantity(counted)
            if entry.get("line"):
                line = lines.get(entry["line"])
                if line is None:
                    errors[f"entries.{index}.line"] = [_("This line is not part of the count.")]
                    continue
            else:
                line = _unexpected_line(count, entry, frozen, errors, index)
                if line is None:
                    continue
            line.counted_quantity = counted
            stamp_history(line, actor=actor)
            line.save()
        if errors:
            raise ValidationError(errors)
    return count


def _unexpected_line(count: StockCount, entry: dict, frozen: set[int], errors: dict, index: int):
    item, location = entry.get("item"), entry.get("location")
    if item is None or item.company_id != count.company_id or location is None or location.pk not in frozen:
        errors[f"entries.{index}.location"] = [_("Choose an item and one of the counted locations.")]
        return None
    lot = None
    if item.lot_tracked:
        number = (entry.get("lot_number") or "").strip()
        if not number:
            errors[f"entries.{index}.lot_number"] = [_("This item is lot-tracked: enter the lot number.")]
            return None
        lot, _created = Lot.objects.get_or_create(
            item=item, number=number, defaults={"company": count.company, "expiry_date": entry.get("expiry_date")}
        )
    line, _created = StockCountLine.objects.get_or_create(
        count=count, item=item, location=location, lot=lot, defaults={"expected_quantity": ZERO}
    )
    return line


def confirm_count(*, actor, count: StockCount) -> StockCount:
    """Post every difference at moving-average cost, lift the freeze, emit the money event."""
    with transaction.atomic():
        count = lock_document(count)
        require_status(count, StockCount.Status.COUNTING, message=_("Only a count in progress can be confirmed."))
        lines = list(count.lines.select_related("item", "location__warehouse", "lot"))
        uncounted = [line for line in lines if line.counted_quantity is None]
        if uncounted:
            raise StockError(
                _("%(n)d lines have not been counted yet (first: %(item)s at %(location)s).")
                % {"n": len(uncounted), "item": uncounted[0].item, "location": uncounted[0].location},
                code="uncounted_lines",
            )
        move_lines = []
        for line in lines:
            difference = line.counted_quantity - line.expected_quantity
            if difference > 0:
                move_lines.append(
                    MoveLine(item=line.item, quantity=difference, to_location=line.location, lot=line.lot)
                )
            elif difference < 0:
                move_lines.append(
                    MoveLine(item=line.item, quantity=-difference, from_location=line.location, lot=line.lot)
                )
        moves = []
        if move_lines:
            moves = post_moves(
                company=count.company,
                kind=StockMove.Kind.COUNT,
                lines=move_lines,
                source=count,
                source_number=count.number,
                move_date=count.document_date,
                actor=actor,
                unfreeze_count_id=count.pk,
            )
        LocationFreeze.objects.filter(count=count).delete()
        count.difference_value = sum((move.value if move.to_location_id else -move.value for move in moves), Decimal(0))
        transition(
            count,
            to=StockCount.Status.CONFIRMED,
            actor=actor,
            reason=_("Differences posted"),
            extra_fields=("difference_value",),
        )
        lines_money = money_lines(moves, counter_role=COUNTER_ROLE)
        if lines_money:
            description = _("Stock count %(number)s differences") % {"number": count.number}
            emit(
                kind="inventory.count.confirmed",
                source=count,
                company_id=count.company_id,
                payload=event_payload(
                    document=count, on_date=count.document_date, description=description, lines=lines_money
                ),
            )
    return count


def cancel_count(*, actor, count: StockCount, reason: str) -> StockCount:
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the count is cancelled.")]})
    with transaction.atomic():
        count = lock_document(count)
        transition(count, to=StockCount.Status.CANCELLED, actor=actor, reason=reason.strip())
        LocationFreeze.objects.filter(count=count).delete()
    return count
