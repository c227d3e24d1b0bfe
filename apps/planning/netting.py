"""The MRP algorithm as pure functions over plain data: no database, so it is tested and timed alone.

Per item and warehouse, demands are taken day by day and covered first-in first-out by the supply
available on their day (on hand, then open receipts by date, then the orders planned so far); what a
day lacks becomes one planned order needed that day, at least the item's reorder quantity. A supply
due after a demand does not cover it (no rescheduling is suggested). Items are planned in low-level-code
order (an item only after every item whose bill of materials uses it), so a planned work order's
component needs, exploded with scrap and offset by its lead time, are known before the component
is netted.
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from itertools import groupby

from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.core.money import ZERO

QUANTUM = Decimal("0.000001")  # the quantity precision every component need is rounded up to
HUNDRED = Decimal(100)


class PlanningError(DomainError):
    pass


@dataclass(frozen=True)
class BomComponent:
    item_id: int
    base_quantity: Decimal  # component base units per `output_quantity` of the parent
    scrap_percent: Decimal


@dataclass(frozen=True)
class Bom:
    id: int
    output_quantity: Decimal
    components: tuple[BomComponent, ...]


@dataclass(frozen=True)
class ItemRule:
    lead_time_days: int = 0
    reorder_point: Decimal = ZERO
    reorder_quantity: Decimal = ZERO
    bom: Bom | None = None  # an item with an active BOM is made, any other item is bought
    supplier_id: int | None = None


@dataclass(frozen=True)
class Demand:
    item_id: int
    warehouse_id: int
    date: date
    quantity: Decimal
    kind: str  # a Pegging.Demand value
    source_id: int | None = None  # the line, component or work order; a parent's planning key


@dataclass(frozen=True)
class Supply:
    item_id: int
    warehouse_id: int
    date: date  # date.min for stock on hand
    quantity: Decimal


@dataclass
class PlannedSupply:
    key: int  # the order's place in the plan, which a component's pegging points back to
    kind: str  # "purchase" or "production"
    item_id: int
    warehouse_id: int
    quantity: Decimal
    need_date: date
    start_date: date
    level: int
    bom_id: int | None
    supplier_id: int | None
    peggings: list[tuple[Demand, Decimal]] = field(default_factory=list)


def explode(bom: Bom, quantity: Decimal) -> list[tuple[int, Decimal]]:
    """Component needs for `quantity` of the parent: quantity × base quantity × (1 + scrap %) / output
    quantity, as a released work order reserves them, rounded up to the millionth so scrap is never
    under-planned."""
    needs = []
    for component in bom.components:
        gross = quantity * component.base_quantity / bom.output_quantity
        gross *= 1 + component.scrap_percent / HUNDRED
        needs.append((component.item_id, gross.quantize(QUANTUM, rounding=ROUND_CEILING)))
    return needs


def low_level_codes(rules: dict[int, ItemRule]) -> dict[int, int]:
    """Each item's deepest position in any bill of materials (0: nothing uses it); a cycle is refused."""
    children = {item_id: {c.item_id for c in rule.bom.components} for item_id, rule in rules.items() if rule.bom}
    parents_left: dict[int, int] = defaultdict(int)
    for components in children.values():
        for component in components:
            parents_left[component] += 1
    items = set(rules) | set(parents_left)
    codes = dict.fromkeys(items, 0)
    ready = deque(item for item in items if parents_left[item] == 0)
    seen = 0
    while ready:
        item = ready.popleft()
        seen += 1
        for component in children.get(item, ()):
            codes[component] = max(codes[component], codes[item] + 1)
            parents_left[component] -= 1
            if parents_left[component] == 0:
                ready.append(component)
    if seen != len(items):
        looping = sorted(item for item in items if parents_left[item] > 0)
        raise PlanningError(
            _("The bills of materials of items %(items)s use each other in a loop.")
            % {"items": ", ".join(map(str, looping))},
            code="bom_cycle",
        )
    return codes


def consume(available: deque, demand: Demand) -> None:
    """Take `demand` from the oldest supply first; what a planned order gives is pegged to it."""
    left = demand.quantity
    while left > 0:
        lot = available[0]
        taken = min(lot[0], left)
        lot[0] -= taken
        left -= taken
        if lot[1] is not None:
            lot[1].peggings.append((demand, taken))
        if lot[0] <= 0:
            available.popleft()


class Plan:
    """The netting of one run: feed demands and supplies, then `run()` returns the planned orders."""

    def __init__(self, *, rules: dict[int, ItemRule], today: date, reorder_warehouse_id: int) -> None:
        self.rules = rules
        self.today = today
        self.reorder_warehouse_id = reorder_warehouse_id
        self.demands: dict[tuple[int, int], list[Demand]] = defaultdict(list)
        self.supplies: dict[tuple[int, int], list[Supply]] = defaultdict(list)
        self.planned: list[PlannedSupply] = []

    def add_demand(self, demand: Demand) -> None:
        if demand.quantity > 0:
            self.demands[demand.item_id, demand.warehouse_id].append(demand)

    def add_supply(self, supply: Supply) -> None:
        if supply.quantity > 0:
            self.supplies[supply.item_id, supply.warehouse_id].append(supply)

    def add_draft_work_order(
        self, *, work_order_id: int, item_id: int, warehouse_id: int, bom: Bom | None, quantity: Decimal, due_date: date
    ) -> None:
        """A draft work order is supply of its item and, until released, needs its BOM's components."""
        self.add_supply(Supply(item_id, warehouse_id, due_date, quantity))
        if bom is None:
            return
        start = due_date - timedelta(days=self.rule(item_id).lead_time_days)
        for component_id, need in explode(bom, quantity):
            self.add_demand(Demand(component_id, warehouse_id, start, need, "draft_work_order", work_order_id))

    def rule(self, item_id: int) -> ItemRule:
        return self.rules.get(item_id) or ItemRule()

    def levels(self) -> list[tuple[int, set[int]]]:
        """The items to net, grouped by low-level code, top level first (an item without a rule: 0)."""
        codes = low_level_codes(self.rules)
        by_level: dict[int, set[int]] = defaultdict(set)
        for item_id, _warehouse_id in self.demands:
            by_level[codes.get(item_id, 0)].add(item_id)
        for item_id, code in codes.items():
            by_level[code].add(item_id)
        return sorted(by_level.items())

    def add_reorder_points(self) -> None:
        for item_id, rule in self.rules.items():
            if rule.reorder_point > 0:
                self.add_demand(
                    Demand(item_id, self.reorder_warehouse_id, self.today, rule.reorder_point, "reorder_point")
                )

    def net_level(self, item_ids: set[int], level: int) -> None:
        for key in sorted(k for k in self.demands if k[0] in item_ids):
            self.net(key, level)

    def net(self, key: tuple[int, int], level: int) -> None:
        """Net one item in one warehouse, day by day: one planned order per day that supply falls short."""
        item_id, warehouse_id = key
        demands = sorted(self.demands[key], key=lambda d: (d.date, d.kind != "reorder_point", d.source_id or 0))
        incoming = deque(sorted(self.supplies.get(key, ()), key=lambda s: s.date))
        available: deque[list] = deque()  # [remaining quantity, planned order or None], first in first out
        in_stock = ZERO
        for day, group in groupby(demands, key=lambda d: d.date):
            group = list(group)
            while incoming and incoming[0].date <= day:
                supply = incoming.popleft()
                available.append([supply.quantity, None])
                in_stock += supply.quantity
            short = sum((demand.quantity for demand in group), ZERO) - in_stock
            if short > 0:
                order = self.plan_order(item_id, warehouse_id, day, short, level)
                available.append([order.quantity, order])
                in_stock += order.quantity
            for demand in group:
                in_stock -= demand.quantity
                consume(available, demand)

    def plan_order(self, item_id: int, warehouse_id: int, day: date, short: Decimal, level: int) -> PlannedSupply:
        """An order for what the day lacks, at least the item's reorder quantity, needed that day (or today
        for a day already past)."""
        rule = self.rule(item_id)
        need_date = max(day, self.today)
        order = PlannedSupply(
            key=len(self.planned),
            kind="production" if rule.bom else "purchase",
            item_id=item_id,
            warehouse_id=warehouse_id,
            quantity=max(short, rule.reorder_quantity),
            need_date=need_date,
            start_date=need_date - timedelta(days=rule.lead_time_days),
            level=level,
            bom_id=rule.bom.id if rule.bom else None,
            supplier_id=None if rule.bom else rule.supplier_id,
        )
        self.planned.append(order)
        if rule.bom:
            for component_id, need in explode(rule.bom, order.quantity):
                self.add_demand(Demand(component_id, warehouse_id, order.start_date, need, "planned_order", order.key))
        return order

    def run(self, on_level=None) -> list[PlannedSupply]:
        """Net every level in turn; `on_level(done, total)` hears of each finished level."""
        self.add_reorder_points()
        levels = self.levels()
        for done, (level, item_ids) in enumerate(levels, start=1):
            self.net_level(item_ids, level)
            if on_level is not None:
                on_level(done, len(levels))
        return self.planned
