"""Reads of stock: scoping by warehouse, on-hand now and as of a date, the ledger, valuation, reorder."""

from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce

from apps.core.access import scoped
from apps.masterdata.models import Company, Item, Location
from apps.masterdata.selectors import ACCESS_COMPANY, in_visible_warehouse, warehouses_visible_to

from .models import (
    InventorySettings,
    ItemCost,
    LocationFreeze,
    Lot,
    Reservation,
    StockAdjustment,
    StockBalance,
    StockCount,
    StockMove,
    StockTransfer,
)

QUANTITY = DecimalField(max_digits=18, decimal_places=6)
AMOUNT = DecimalField(max_digits=18, decimal_places=2)
ZERO_QUANTITY = Value(Decimal(0), output_field=QUANTITY)


def adjustments_visible_to(user) -> QuerySet[StockAdjustment]:
    return in_visible_warehouse(StockAdjustment.objects.select_related("warehouse", "company", "created_by"), user)


def transfers_visible_to(user) -> QuerySet[StockTransfer]:
    """A transfer is visible from either end."""
    queryset = scoped(
        StockTransfer.objects.select_related("from_warehouse", "to_warehouse", "company", "created_by"),
        user=user,
        perm=ACCESS_COMPANY,
        scope_model=Company,
        through="company",
    )
    visible = warehouses_visible_to(user).values("pk")
    return queryset.filter(Q(from_warehouse__in=visible) | Q(to_warehouse__in=visible))


def counts_visible_to(user) -> QuerySet[StockCount]:
    return in_visible_warehouse(StockCount.objects.select_related("warehouse", "company", "created_by"), user)


def balances_visible_to(user) -> QuerySet[StockBalance]:
    return in_visible_warehouse(StockBalance.objects.select_related("item", "location", "warehouse", "lot"), user)


def moves_visible_to(user) -> QuerySet[StockMove]:
    queryset = scoped(
        StockMove.objects.select_related(
            "item", "from_location__warehouse", "to_location__warehouse", "lot", "posted_by"
        ),
        user=user,
        perm=ACCESS_COMPANY,
        scope_model=Company,
        through="company",
    )
    visible = warehouses_visible_to(user).values("pk")
    return queryset.filter(Q(from_location__warehouse__in=visible) | Q(to_location__warehouse__in=visible))


def lots_visible_to(user) -> QuerySet[Lot]:
    return scoped(
        Lot.objects.select_related("item"), user=user, perm=ACCESS_COMPANY, scope_model=Company, through="company"
    )


def reservations_visible_to(user) -> QuerySet[Reservation]:
    return in_visible_warehouse(
        Reservation.objects.select_related("item", "location", "lot"), user, through="location__warehouse"
    )


def inventory_settings(company: Company) -> InventorySettings:
    return InventorySettings.objects.filter(company=company).first() or InventorySettings(company=company)


# --- On hand -------------------------------------------------------------------------------------


def stock_on_hand(user, *, warehouse_id: int | None = None, item_id: int | None = None) -> QuerySet:
    """Current on hand, reserved and available per item and location, from the balance rows."""
    queryset = balances_visible_to(user).exclude(on_hand=0, reserved=0)
    if warehouse_id:
        queryset = queryset.filter(warehouse_id=warehouse_id)
    if item_id:
        queryset = queryset.filter(item_id=item_id)
    return queryset.order_by("item__code", "location__path", "lot_id")  # available: StockBalance.available


def stock_on_hand_as_of(
    user, *, as_of: date, warehouse_id: int | None = None, item_id: int | None = None
) -> list[dict]:
    """On hand per item and location at the end of `as_of`, summed from the ledger."""
    moves = moves_visible_to(user).filter(move_date__lte=as_of)
    if item_id:
        moves = moves.filter(item_id=item_id)
    totals: dict[tuple[int, int], Decimal] = {}
    incoming = moves.filter(to_location__isnull=False)
    outgoing = moves.filter(from_location__isnull=False)
    if warehouse_id:
        incoming = incoming.filter(to_location__warehouse_id=warehouse_id)
        outgoing = outgoing.filter(from_location__warehouse_id=warehouse_id)
    for row in incoming.values("item_id", "to_location_id").annotate(quantity=Sum("quantity")).order_by():
        key = (row["item_id"], row["to_location_id"])
        totals[key] = totals.get(key, Decimal(0)) + row["quantity"]
    for row in outgoing.values("item_id", "from_location_id").annotate(quantity=Sum("quantity")).order_by():
        key = (row["item_id"], row["from_location_id"])
        totals[key] = totals.get(key, Decimal(0)) - row["quantity"]
    return [
        {"item_id": item, "location_id": location, "on_hand": quantity}
        for (item, location), quantity in sorted(totals.items())
        if quantity != 0
    ]


def available_by_item(*, company_id: int, item_ids: list[int], warehouse_id: int | None = None) -> dict[int, Decimal]:
    """Available (on hand − reserved) per item, one query whatever the number of locations."""
    queryset = StockBalance.objects.filter(company_id=company_id, item_id__in=item_ids)
    if warehouse_id:
        queryset = queryset.filter(warehouse_id=warehouse_id)
    rows = queryset.values("item_id").annotate(available=Sum(F("on_hand") - F("reserved"))).order_by()
    return {row["item_id"]: row["available"] for row in rows}


# --- The ledger of an item -----------------------------------------------------------------------


def item_ledger(
    user, *, item: Item, warehouse_id: int | None = None, start: date | None = None, end: date | None = None
) -> tuple[Decimal, Decimal, QuerySet]:
    """(opening quantity, opening value, moves annotated with signed change and running balance).

    Quantity in and out are seen from the chosen warehouse (or all visible ones): a transfer inside
    it changes nothing, one leaving it is an issue.
    """
    visible = warehouses_visible_to(user).values("pk")
    if warehouse_id:
        visible = visible.filter(pk=warehouse_id)
    inside_to = Q(to_location__warehouse__in=visible)
    inside_from = Q(from_location__warehouse__in=visible)
    signed_quantity = Case(
        When(inside_to & ~inside_from, then=F("quantity")),
        When(inside_from & ~inside_to, then=-F("quantity")),
        default=ZERO_QUANTITY,
        output_field=QUANTITY,
    )
    signed_value = Case(
        When(inside_to & ~inside_from, then=F("value")),
        When(inside_from & ~inside_to, then=-F("value")),
        default=Value(Decimal(0), output_field=AMOUNT),
        output_field=AMOUNT,
    )
    moves = moves_visible_to(user).filter(item=item).filter(inside_to | inside_from)
    opening_quantity = opening_value = Decimal(0)
    if start:
        opening = moves.filter(move_date__lt=start).aggregate(
            quantity=Coalesce(Sum(signed_quantity), ZERO_QUANTITY),
            value=Coalesce(Sum(signed_value), Value(Decimal(0), output_field=AMOUNT)),
        )
        opening_quantity, opening_value = opening["quantity"], opening["value"]
        moves = moves.filter(move_date__gte=start)
    if end:
        moves = moves.filter(move_date__lte=end)
    order = [F("move_date").asc(), F("id").asc()]
    moves = moves.annotate(
        quantity_change=signed_quantity,
        value_change=signed_value,
        running_quantity=ExpressionWrapper(
            Window(Sum(signed_quantity), order_by=order) + Value(opening_quantity), output_field=QUANTITY
        ),
        running_value=ExpressionWrapper(
            Window(Sum(signed_value), order_by=order) + Value(opening_value), output_field=AMOUNT
        ),
    ).order_by("move_date", "id")
    return opening_quantity, opening_value, moves


def lot_trace(lot: Lot) -> QuerySet[StockMove]:
    """Every move of a lot, from its receipt to each issue."""
    return StockMove.objects.filter(lot=lot).select_related("from_location", "to_location").order_by("move_date", "id")


# --- Valuation and reorder -----------------------------------------------------------------------


def valuation(user, *, company: Company) -> list[dict]:
    """Quantity and value per item category and warehouse (the basis of the inventory accounts)."""
    rows = (
        balances_visible_to(user)
        .filter(company=company)
        .values("item__category_id", "item__category__name", "warehouse_id", "warehouse__code", "warehouse__name")
        .annotate(quantity=Sum("on_hand"), value=Sum("value"))
        .exclude(quantity=0, value=0)
        .order_by("item__category__name", "warehouse__code")
    )
    return list(rows)


def company_stock_value(*, company: Company) -> Decimal:
    return ItemCost.objects.filter(company=company).aggregate(total=Coalesce(Sum("value"), Value(Decimal(0))))["total"]


def below_reorder_point(user, *, company: Company) -> QuerySet[Item]:
    """Stock items whose available quantity has fallen under their reorder point, with a suggestion."""
    available = (
        StockBalance.objects.filter(item=OuterRef("pk"))
        .values("item")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
        .values("total")
    )
    items = scoped(
        Item.objects.filter(company=company, item_type=Item.ItemType.STOCK, active=True, reorder_point__gt=0),
        user=user,
        perm=ACCESS_COMPANY,
        scope_model=Company,
        through="company",
    )
    items = items.annotate(available=Coalesce(Subquery(available, output_field=QUANTITY), ZERO_QUANTITY))
    items = items.filter(available__lt=F("reorder_point"))
    return (
        items.annotate(
            suggested_quantity=Case(
                When(reorder_quantity__gt=F("reorder_point") - F("available"), then=F("reorder_quantity")),
                default=F("reorder_point") - F("available"),
                output_field=QUANTITY,
            )
        )
        .select_related("base_unit", "category")
        .order_by("code")
    )


# --- Read helpers of the browser pages -----------------------------------------------------------


def moves_of(user, *, source) -> QuerySet[StockMove]:
    """The moves a document wrote (and their reversals), as far as the user may see them."""
    source_type = ContentType.objects.get_for_model(source)
    return moves_visible_to(user).filter(source_type=source_type, source_id=source.pk).order_by("id")


def lot_trace_visible_to(user, *, lot: Lot) -> QuerySet[StockMove]:
    """`lot_trace` limited to the moves that touch the user's warehouses."""
    return moves_visible_to(user).filter(lot=lot).order_by("move_date", "id")


def lots_with_stock_visible_to(user) -> QuerySet[Lot]:
    """Lots with their quantity on hand in the user's warehouses."""
    on_hand = (
        balances_visible_to(user)
        .filter(lot=OuterRef("pk"))
        .order_by()
        .values("lot")
        .annotate(total=Sum("on_hand"))
        .values("total")
    )
    return lots_visible_to(user).annotate(on_hand=Coalesce(Subquery(on_hand, output_field=QUANTITY), ZERO_QUANTITY))


def frozen_locations(user, *, warehouse_id: int | None = None, location_id: int | None = None) -> QuerySet:
    """The user's locations frozen by a count in progress, with the count that froze them."""
    queryset = LocationFreeze.objects.filter(
        location__warehouse__in=warehouses_visible_to(user).values("pk")
    ).select_related("location__warehouse", "count")
    if warehouse_id:
        queryset = queryset.filter(location__warehouse_id=warehouse_id)
    if location_id:
        queryset = queryset.filter(location_id=location_id)
    return queryset.order_by("location__warehouse__code", "location__path")


def locations_counted_by(count: StockCount) -> QuerySet[Location]:
    """The locations a count in progress holds frozen: where stock found during the count may be entered."""
    return Location.objects.filter(freeze__count=count).select_related("warehouse").order_by("path")


def reorder_suggestions(user, *, company: Company, warehouse_id: int | None = None) -> QuerySet[Item]:
    """`below_reorder_point` with the available quantity counted in the user's warehouses (or in one of them)."""
    warehouses = warehouses_visible_to(user).values("pk")
    if warehouse_id:
        warehouses = warehouses.filter(pk=warehouse_id)
    available = (
        StockBalance.objects.filter(item=OuterRef("pk"), warehouse__in=warehouses)
        .order_by()
        .values("item")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
        .values("total")
    )
    items = scoped(
        Item.objects.filter(company=company, item_type=Item.ItemType.STOCK, active=True, reorder_point__gt=0),
        user=user,
        perm=ACCESS_COMPANY,
        scope_model=Company,
        through="company",
    )
    items = items.annotate(available=Coalesce(Subquery(available, output_field=QUANTITY), ZERO_QUANTITY))
    return (
        items.filter(available__lt=F("reorder_point"))
        .annotate(
            suggested_quantity=Case(
                When(reorder_quantity__gt=F("reorder_point") - F("available"), then=F("reorder_quantity")),
                default=F("reorder_point") - F("available"),
                output_field=QUANTITY,
            )
        )
        .select_related("base_unit", "category")
        .order_by("code")
    )
