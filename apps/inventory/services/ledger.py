"""The stock ledger engine: every quantity change in erp-lite goes through `post_moves`.

Lock first, in one order, then read, then write: item cost rows (by item id), then balance rows
(by item, location, lot), each in one query; then the moves are inserted in one statement and the
locked rows written back. Two documents racing for the same stock therefore queue on the balance
row instead of both reading the old quantity, and they can never deadlock.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.core.money import ZERO, round_amount, round_quantity
from apps.core.posting import check_posting_date
from apps.masterdata.models import Company, Item, Location

from ..models import InventorySettings, ItemCost, LocationFreeze, Lot, Reservation, StockBalance, StockMove


class StockError(DomainError):
    pass


@dataclass(frozen=True)
class MoveLine:
    """One movement to post. A receipt names only `to_location`, an issue only `from_location`.

    `unit_cost` prices a receipt from outside, or an issue that must leave at a known cost (a return
    to the supplier at its receipt's cost); None means the current moving average. `reservation`
    makes an issue consume stock promised to its document instead of competing with it.
    """

    item: Item
    quantity: Decimal
    from_location: Location | None = None
    to_location: Location | None = None
    lot: Lot | None = None
    unit_cost: Decimal | None = None
    reservation: Reservation | None = None


BalanceKey = tuple[int, int, int | None]


def _key(item_id: int, location_id: int, lot_id: int | None) -> BalanceKey:
    return (item_id, location_id, lot_id)


def allows_negative_stock(company: Company) -> bool:
    return InventorySettings.objects.filter(company=company, allow_negative_stock=True).exists()


def _validate(company: Company, lines: list[MoveLine]) -> None:
    if not lines:
        raise StockError(_("There is nothing to post: the document has no lines."), code="no_lines")
    for number, line in enumerate(lines, start=1):
        item = line.item
        where = _("Line %(line)d (%(item)s)") % {"line": number, "item": item}
        if item.company_id != company.pk:
            raise StockError(_("%(where)s: the item belongs to another company.") % {"where": where}, code="company")
        if item.item_type != Item.ItemType.STOCK:
            raise StockError(
                _("%(where)s: only stock items are kept in stock.") % {"where": where}, code="not_stock_item"
            )
        if line.quantity is None or line.quantity <= 0:
            raise StockError(_("%(where)s: the quantity must be positive.") % {"where": where}, code="quantity")
        if line.from_location is None and line.to_location is None:
            raise StockError(_("%(where)s: name a location.") % {"where": where}, code="location_required")
        if line.from_location is not None and line.from_location == line.to_location:
            raise StockError(
                _("%(where)s: the source and destination are the same location.") % {"where": where},
                code="same_location",
            )
        for location in (line.from_location, line.to_location):
            if location is not None and location.warehouse.company_id != company.pk:
                raise StockError(
                    _("%(where)s: location %(location)s belongs to another company.")
                    % {"where": where, "location": location},
                    code="company",
                )
        if item.lot_tracked and line.lot is None:
            raise StockError(
                _("%(where)s: the item is lot-tracked; name the lot.") % {"where": where}, code="lot_required"
            )
        if not item.lot_tracked and line.lot is not None:
            raise StockError(_("%(where)s: the item is not lot-tracked.") % {"where": where}, code="lot_not_tracked")
        if line.lot is not None and line.lot.item_id != item.pk:
            raise StockError(_("%(where)s: the lot belongs to another item.") % {"where": where}, code="lot_item")


def _refuse_frozen(lines: list[MoveLine], *, allowed_count_id: int | None) -> None:
    location_ids = {loc.pk for line in lines for loc in (line.from_location, line.to_location) if loc is not None}
    frozen = LocationFreeze.objects.filter(location_id__in=location_ids).select_related("count", "location")
    for freeze in frozen:
        if freeze.count_id != allowed_count_id:
            raise StockError(
                _("Location %(location)s is being counted (%(count)s); stock cannot move until the count ends.")
                % {"location": freeze.location, "count": freeze.count},
                code="location_frozen",
                status_code=409,
            )


def _locked_costs(company: Company, item_ids: list[int]) -> dict[int, ItemCost]:
    item_ids = sorted(set(item_ids))
    costs = {
        c.item_id: c for c in ItemCost.objects.select_for_update().filter(item_id__in=item_ids).order_by("item_id")
    }
    missing = [item_id for item_id in item_ids if item_id not in costs]
    if missing:
        ItemCost.objects.bulk_create(
            [ItemCost(company=company, item_id=item_id) for item_id in missing], ignore_conflicts=True
        )
        for cost in ItemCost.objects.select_for_update().filter(item_id__in=missing).order_by("item_id"):
            costs[cost.item_id] = cost
    return costs


def lock_balances(company: Company, keys: set[BalanceKey]) -> dict[BalanceKey, StockBalance]:
    """The balance rows for `keys`, created if missing, locked in (item, location, lot) order."""
    balances = _select_balances(keys)
    missing = sorted(keys - balances.keys(), key=lambda k: (k[0], k[1], k[2] or 0))
    if missing:
        warehouses = dict(Location.objects.filter(pk__in={k[1] for k in missing}).values_list("pk", "warehouse_id"))
        StockBalance.objects.bulk_create(
            [
                StockBalance(
                    company=company,
                    item_id=item_id,
                    location_id=location_id,
                    lot_id=lot_id,
                    warehouse_id=warehouses[location_id],
                )
                for item_id, location_id, lot_id in missing
            ],
            ignore_conflicts=True,
        )
        balances.update(_select_balances(set(missing)))
    return balances


def _select_balances(keys: set[BalanceKey]) -> dict[BalanceKey, StockBalance]:
    if not keys:
        return {}
    condition = Q()
    for item_id, location_id, lot_id in keys:
        condition |= Q(item_id=item_id, location_id=location_id, lot_id=lot_id)
    rows = StockBalance.objects.select_for_update().filter(condition).order_by("item_id", "location_id", "lot_id")
    return {_key(b.item_id, b.location_id, b.lot_id): b for b in rows}


def _receive(cost: ItemCost, quantity: Decimal, unit_cost: Decimal | None, item: Item) -> tuple[Decimal, Decimal]:
    """Add stock to the moving average; returns (unit cost, value) of the move."""
    if unit_cost is None:
        unit_cost = cost.average_cost if cost.quantity > 0 else item.standard_price
    unit_cost = round_quantity(unit_cost)
    value = round_amount(quantity * unit_cost)
    cost.quantity += quantity
    cost.value += value
    cost.average_cost = round_quantity(cost.value / cost.quantity) if cost.quantity > 0 else unit_cost
    return unit_cost, value


def _issue(cost: ItemCost, quantity: Decimal, unit_cost: Decimal | None) -> tuple[Decimal, Decimal]:
    """Take stock out at moving average (or at a given cost, e.g. a return at its receipt's cost);
    the last unit out takes the last cent of value, so quantity and value reach zero together."""
    if quantity == cost.quantity:
        value = cost.value
        unit_cost = round_quantity(value / quantity) if quantity else cost.average_cost
    elif unit_cost is None:
        unit_cost = cost.average_cost
        value = round_amount(quantity * unit_cost)
    else:
        unit_cost = round_quantity(unit_cost)
        value = round_amount(quantity * unit_cost)
    cost.quantity -= quantity
    cost.value -= value
    if unit_cost != cost.average_cost and cost.quantity > 0:
        cost.average_cost = round_quantity(cost.value / cost.quantity)
    return unit_cost, value


def _transfer_value(cost: ItemCost, balance: StockBalance, quantity: Decimal) -> tuple[Decimal, Decimal]:
    unit_cost = cost.average_cost
    value = balance.value if quantity == balance.on_hand else round_amount(quantity * unit_cost)
    return unit_cost, value


def _check_available(balance: StockBalance, line: MoveLine, *, negative_allowed: bool) -> None:
    """After the move, what is left must still cover what others have reserved."""
    if negative_allowed:
        return
    if balance.on_hand < 0 or balance.on_hand < balance.reserved:
        available = balance.on_hand + line.quantity - balance.reserved
        raise StockError(
            _("Not enough %(item)s at %(location)s: %(available)s available, %(wanted)s wanted.")
            % {
                "item": line.item,
                "location": line.from_location,
                "available": max(available, ZERO).normalize(),
                "wanted": line.quantity.normalize(),
            },
            code="insufficient_stock",
            status_code=409,
            details={"item": line.item.pk, "location": line.from_location.pk, "available": str(available)},
        )


def post_moves(
    *,
    company: Company,
    kind: str,
    lines: list[MoveLine],
    source: models.Model,
    source_number: str,
    move_date: date,
    actor,
    unfreeze_count_id: int | None = None,
) -> list[StockMove]:
    """Write the moves of one document and update balances and moving-average costs with them."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post_moves must run inside the document's transaction")
    lines = [replace(line, quantity=round_quantity(line.quantity)) if line.quantity else line for line in lines]
    _validate(company, lines)
    check_posting_date(company_id=company.pk, on_date=move_date)
    # Only stock going out is checked against what is available.
    negative_allowed = any(line.from_location for line in lines) and allows_negative_stock(company)
    costs = _locked_costs(company, [line.item.pk for line in lines])
    keys = set()
    for line in lines:
        lot_id = line.lot.pk if line.lot else None
        for location in (line.from_location, line.to_location):
            if location is not None:
                keys.add(_key(line.item.pk, location.pk, lot_id))
    balances = lock_balances(company, keys)
    # Checked after the locks: a count that froze these locations while we waited is seen here.
    _refuse_frozen(lines, allowed_count_id=unfreeze_count_id)

    source_type = ContentType.objects.get_for_model(source)
    moves = []
    reservations: list[Reservation] = []
    for line in lines:
        cost = costs[line.item.pk]
        lot_id = line.lot.pk if line.lot else None
        source_balance = balances[_key(line.item.pk, line.from_location.pk, lot_id)] if line.from_location else None
        target_balance = balances[_key(line.item.pk, line.to_location.pk, lot_id)] if line.to_location else None
        if source_balance is not None and target_balance is not None:
            unit_cost, value = _transfer_value(cost, source_balance, line.quantity)
        elif target_balance is not None:
            unit_cost, value = _receive(cost, line.quantity, line.unit_cost, line.item)
        else:
            unit_cost, value = _issue(cost, line.quantity, line.unit_cost)
        if source_balance is not None:
            source_balance.on_hand -= line.quantity
            source_balance.value -= value
            if line.reservation is not None:
                reservations.append(_consume_reservation(line, source_balance))
            _check_available(source_balance, line, negative_allowed=negative_allowed)
        if target_balance is not None:
            target_balance.on_hand += line.quantity
            target_balance.value += value
        moves.append(
            StockMove(
                company=company,
                kind=kind,
                item=line.item,
                from_location=line.from_location,
                to_location=line.to_location,
                lot=line.lot,
                quantity=line.quantity,
                unit_cost=unit_cost,
                value=value,
                move_date=move_date,
                source_type=source_type,
                source_id=source.pk,
                source_number=source_number,
                posted_by=actor,
            )
        )
    StockMove.objects.bulk_create(moves)
    StockBalance.objects.bulk_update(list(balances.values()), ["on_hand", "reserved", "value"])
    ItemCost.objects.bulk_update(list(costs.values()), ["quantity", "value", "average_cost"])
    if reservations:
        Reservation.objects.bulk_update(reservations, ["open_quantity", "status"])
    return moves


def _consume_reservation(line: MoveLine, balance: StockBalance) -> Reservation:
    reservation = line.reservation
    if reservation.balance_id != balance.pk or reservation.status != Reservation.Status.OPEN:
        raise StockError(_("The reservation does not cover this stock."), code="reservation_mismatch")
    consumed = min(line.quantity, reservation.open_quantity)
    reservation.open_quantity -= consumed
    if reservation.open_quantity == 0:
        reservation.status = Reservation.Status.CLOSED
    balance.reserved -= consumed
    return reservation


def reverse_moves(*, company: Company, source: models.Model, move_date: date, actor) -> list[StockMove]:
    """Write the mirror of every move of `source` (a cancellation), on `move_date`, at the original values.

    Reversal restores value at the cost the stock left with, so no past valuation is rewritten.
    """
    source_type = ContentType.objects.get_for_model(source)
    originals = list(
        StockMove.objects.filter(source_type=source_type, source_id=source.pk, reverses__isnull=True)
        .select_related("item", "from_location__warehouse", "to_location__warehouse", "lot")
        .order_by("id")
    )
    already = StockMove.objects.filter(source_type=source_type, source_id=source.pk, reverses__isnull=False).exists()
    if not originals or already:
        return []
    check_posting_date(company_id=company.pk, on_date=move_date)
    _refuse_frozen(
        [
            MoveLine(item=m.item, quantity=m.quantity, from_location=m.to_location, to_location=m.from_location)
            for m in originals
        ],
        allowed_count_id=None,
    )
    negative_allowed = allows_negative_stock(company)
    costs = _locked_costs(company, [m.item_id for m in originals])
    keys = set()
    for move in originals:
        for location in (move.from_location, move.to_location):
            if location is not None:
                keys.add(_key(move.item_id, location.pk, move.lot_id))
    balances = lock_balances(company, keys)
    reversals = []
    for move in originals:
        cost = costs[move.item_id]
        back_from, back_to = move.to_location, move.from_location
        if back_from is not None:
            balance = balances[_key(move.item_id, back_from.pk, move.lot_id)]
            balance.on_hand -= move.quantity
            balance.value -= move.value
            line = MoveLine(item=move.item, quantity=move.quantity, from_location=back_from)
            _check_available(balance, line, negative_allowed=negative_allowed)
        if back_to is not None:
            balance = balances[_key(move.item_id, back_to.pk, move.lot_id)]
            balance.on_hand += move.quantity
            balance.value += move.value
        if back_from is None or back_to is None:
            sign = 1 if back_to is not None else -1
            cost.quantity += sign * move.quantity
            cost.value += sign * move.value
            if cost.quantity > 0:
                cost.average_cost = round_quantity(cost.value / cost.quantity)
        reversals.append(
            StockMove(
                company=company,
                kind=StockMove.Kind.REVERSAL,
                item=move.item,
                from_location=back_from,
                to_location=back_to,
                lot=move.lot,
                quantity=move.quantity,
                unit_cost=move.unit_cost,
                value=move.value,
                move_date=move_date,
                source_type=source_type,
                source_id=source.pk,
                source_number=move.source_number,
                reverses=move,
                posted_by=actor,
            )
        )
    StockMove.objects.bulk_create(reversals)
    StockBalance.objects.bulk_update(list(balances.values()), ["on_hand", "reserved", "value"])
    ItemCost.objects.bulk_update(list(costs.values()), ["quantity", "value", "average_cost"])
    return reversals


# --- Reservations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReservationRequest:
    item: Item
    quantity: Decimal
    warehouse_id: int
    source_line_id: int | None = None
    location: Location | None = None
    lot: Lot | None = None


def reserve(
    *, company: Company, requests: list[ReservationRequest], source: models.Model, actor, allow_partial: bool = False
) -> list[Reservation]:
    """Promise stock to a document's lines; refused when available (on hand − reserved) is short,
    unless `allow_partial`, when each line gets what is available and the rest waits.

    Without a named location the stock is taken from the warehouse's locations with the most
    available first (lots by earliest expiry), so the later pick finds it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve must run inside the document's transaction")
    item_ids = sorted({r.item.pk for r in requests})
    rows = list(
        StockBalance.objects.select_for_update(of=("self",))
        .filter(company=company, item_id__in=item_ids, on_hand__gt=0)
        .exclude(location__kind=Location.Kind.TRANSIT)
        .select_related("lot")
        .order_by("item_id", "location_id", "lot_id")
    )
    source_type = ContentType.objects.get_for_model(source)
    created = []
    for request in requests:
        wanted = round_quantity(request.quantity)
        candidates = [
            row
            for row in rows
            if row.item_id == request.item.pk
            and row.warehouse_id == request.warehouse_id
            and (request.location is None or row.location_id == request.location.pk)
            and (request.lot is None or row.lot_id == request.lot.pk)
            and row.on_hand - row.reserved > 0
        ]
        candidates.sort(
            key=lambda row: (row.lot.expiry_date or date.max if row.lot else date.max, -(row.on_hand - row.reserved))
        )
        if not allow_partial and sum((row.on_hand - row.reserved for row in candidates), ZERO) < wanted:
            available = sum((row.on_hand - row.reserved for row in candidates), ZERO)
            raise StockError(
                _("Not enough %(item)s to reserve: %(available)s available, %(wanted)s wanted.")
                % {"item": request.item, "available": available.normalize(), "wanted": wanted.normalize()},
                code="insufficient_stock",
                status_code=409,
                details={"item": request.item.pk, "available": str(available)},
            )
        for row in candidates:
            if wanted <= 0:
                break
            take = min(wanted, row.on_hand - row.reserved)
            row.reserved += take
            wanted -= take
            created.append(
                Reservation(
                    company=company,
                    balance=row,
                    item=request.item,
                    location_id=row.location_id,
                    lot=row.lot,
                    quantity=take,
                    open_quantity=take,
                    source_type=source_type,
                    source_id=source.pk,
                    source_line_id=request.source_line_id,
                )
            )
    StockBalance.objects.bulk_update(rows, ["reserved"])
    for reservation in created:
        reservation._history_user = actor
    Reservation.objects.bulk_create(created)
    return created


def release_reservations(*, source: models.Model, actor, source_line_id: int | None = None) -> int:
    """Give back what a document (or one of its lines) still holds; returns how many were released."""
    source_type = ContentType.objects.get_for_model(source)
    reservations = Reservation.objects.filter(
        source_type=source_type, source_id=source.pk, status=Reservation.Status.OPEN
    )
    if source_line_id is not None:
        reservations = reservations.filter(source_line_id=source_line_id)
    reservations = list(reservations.order_by("balance_id"))
    if not reservations:
        return 0
    balances = {
        b.pk: b
        for b in StockBalance.objects.select_for_update()
        .filter(pk__in=[r.balance_id for r in reservations])
        .order_by("item_id", "location_id", "lot_id")
    }
    released = defaultdict(Decimal)
    for reservation in reservations:
        released[reservation.balance_id] += reservation.open_quantity
        reservation.open_quantity = ZERO
        reservation.status = Reservation.Status.CLOSED
    for balance_id, quantity in released.items():
        balances[balance_id].reserved -= quantity
    StockBalance.objects.bulk_update(list(balances.values()), ["reserved"])
    Reservation.objects.bulk_update(reservations, ["open_quantity", "status"])
    return len(reservations)


def lot_for_receipt(*, company: Company, item: Item, number: str, expiry_date: date | None) -> Lot:
    """The lot a receipt adds to: an existing lot of the item by number, or a new one."""
    number = (number or "").strip()
    if not number:
        raise StockError(_("%(item)s is lot-tracked; enter the lot number.") % {"item": item}, code="lot_required")
    lot, created = Lot.objects.get_or_create(
        item=item, number=number, defaults={"company": company, "expiry_date": expiry_date}
    )
    if not created and expiry_date and lot.expiry_date and lot.expiry_date != expiry_date:
        raise StockError(
            _("Lot %(lot)s of %(item)s already expires on %(date)s.")
            % {"lot": number, "item": item, "date": lot.expiry_date},
            code="lot_expiry_mismatch",
        )
    return lot
