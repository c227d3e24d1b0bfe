"""Reads of production: scoping (BOMs by company, work orders and their documents by warehouse),
the BOM cost roll-up, lot genealogy both ways, work in progress and document flow."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from apps.core.access import scoped
from apps.core.money import ZERO, round_amount, round_quantity
from apps.inventory.models import ItemCost, Lot, StockMove
from apps.inventory.selectors import moves_visible_to
from apps.masterdata.models import Company
from apps.masterdata.selectors import ACCESS_COMPANY, in_visible_warehouse
from apps.sales.models import SalesOrderLine
from apps.sales.selectors import orders_visible_to

from .models import BillOfMaterials, BomLine, LotGenealogy, MaterialIssue, ProductionOutput, WorkOrder
from .services.common import required_per_output

MAX_LEVELS = 20


def boms_visible_to(user) -> QuerySet[BillOfMaterials]:
    """Bills of materials are engineering data of the company, seen by everyone in it."""
    return scoped(
        BillOfMaterials.objects.select_related("company", "item", "item__base_unit"),
        user=user,
        perm=ACCESS_COMPANY,
        scope_model=Company,
        through="company",
    )


def work_orders_visible_to(user) -> QuerySet[WorkOrder]:
    return in_visible_warehouse(
        WorkOrder.objects.select_related("company", "item", "item__base_unit", "warehouse", "bom", "created_by"), user
    )


def issues_visible_to(user) -> QuerySet[MaterialIssue]:
    return in_visible_warehouse(MaterialIssue.objects.select_related("company", "work_order", "warehouse"), user)


def outputs_visible_to(user) -> QuerySet[ProductionOutput]:
    return in_visible_warehouse(
        ProductionOutput.objects.select_related("company", "work_order", "warehouse", "item", "location", "lot"), user
    )


# --- Cost roll-up ------------------------------------------------------------------------------


@dataclass
class CostRow:
    """One component at one level: per unit made of the top item, at moving-average cost."""

    level: int
    item_id: int
    code: str
    name: str
    unit: str
    quantity_per_unit: Decimal
    average_cost: Decimal
    has_bom: bool
    children: list["CostRow"] = field(default_factory=list)

    @property
    def material_cost(self) -> Decimal:
        """This component bought or taken from stock at its moving average."""
        return round_amount(self.quantity_per_unit * self.average_cost)

    @property
    def rolled_cost(self) -> Decimal:
        """Made from its own BOM: the sum of its components, level by level."""
        if not self.children:
            return self.material_cost
        return sum((child.rolled_cost for child in self.children), ZERO)


@dataclass
class CostRollup:
    bom: BillOfMaterials
    rows: list[CostRow]

    @property
    def material_cost(self) -> Decimal:
        return sum((row.material_cost for row in self.rows), ZERO)

    @property
    def rolled_cost(self) -> Decimal:
        return sum((row.rolled_cost for row in self.rows), ZERO)

    def flat(self) -> list[CostRow]:
        out: list[CostRow] = []
        stack = list(reversed(self.rows))
        while stack:
            row = stack.pop()
            out.append(row)
            stack.extend(reversed(row.children))
        return out


def cost_rollup(bom: BillOfMaterials) -> CostRollup:
    """Per unit of the BOM's item: each component at its moving-average cost, and where a component
    has an active BOM of its own, that BOM's components below it (loaded in a fixed number of queries)."""
    related = ("component__base_unit", "bom")
    top_lines = list(bom.lines.select_related(*related))
    by_item: dict[int, list[BomLine]] = {}
    active_elsewhere = (
        BomLine.objects.filter(bom__company_id=bom.company_id, bom__is_active=True)
        .exclude(bom__item_id=bom.item_id)
        .select_related(*related)
    )
    for line in active_elsewhere:
        by_item.setdefault(line.bom.item_id, []).append(line)
    costs = dict(ItemCost.objects.filter(company_id=bom.company_id).values_list("item_id", "average_cost"))

    def rows_for(bom_lines: list[BomLine], per_unit: Decimal, level: int, path: frozenset[int]) -> list[CostRow]:
        rows = []
        for line in bom_lines:
            component = line.component
            quantity = round_quantity(per_unit * required_per_output(line, line.bom.output_quantity))
            cost = costs.get(component.pk) or component.standard_price
            sub_lines = by_item.get(component.pk, [])
            row = CostRow(
                level,
                component.pk,
                component.code,
                component.name,
                component.base_unit.code,
                quantity,
                cost,
                bool(sub_lines),
            )
            if sub_lines and component.pk not in path and level < MAX_LEVELS:
                row.children = rows_for(sub_lines, quantity, level + 1, path | {component.pk})
            rows.append(row)
        return rows

    return CostRollup(bom, rows_for(top_lines, Decimal(1), 1, frozenset({bom.item_id})))


# --- Lots, work in progress, flow ----------------------------------------------------------------


def lots_made_from(lot: Lot) -> list[LotGenealogy]:
    """The component lots that went into `lot` (one level down)."""
    return list(LotGenealogy.objects.filter(output_lot=lot).select_related("component_lot__item", "output"))


def lots_made_with(lot: Lot) -> list[LotGenealogy]:
    """The output lots `lot` went into (one level up)."""
    return list(LotGenealogy.objects.filter(component_lot=lot).select_related("output_lot__item", "output"))


def trace_down(lot: Lot) -> set[int]:
    """Every component lot below `lot`, all levels (one query per level)."""
    found: set[int] = set()
    frontier = {lot.pk}
    for _level in range(MAX_LEVELS):
        below = (
            set(LotGenealogy.objects.filter(output_lot_id__in=frontier).values_list("component_lot_id", flat=True))
            - found
        )
        if not below:
            break
        found |= below
        frontier = below
    return found


def trace_up(lot: Lot) -> set[int]:
    """Every output lot above `lot`, all levels."""
    found: set[int] = set()
    frontier = {lot.pk}
    for _level in range(MAX_LEVELS):
        above = (
            set(LotGenealogy.objects.filter(component_lot_id__in=frontier).values_list("output_lot_id", flat=True))
            - found
        )
        if not above:
            break
        found |= above
        frontier = above
    return found


def wip_total(*, company: Company) -> Decimal:
    """What the WIP accounts should hold: material issued less output value and settled variance."""
    total = WorkOrder.objects.filter(company=company).aggregate(
        wip=Coalesce(Sum(F("issued_cost") - F("output_value") - F("variance")), ZERO)
    )["wip"]
    return round_amount(total)


def work_order_flow(work_order: WorkOrder) -> dict:
    """The documents before and after a work order, for its page and its API resource."""
    return {
        "sales_order_line": work_order.sales_order_line,
        "issues": list(work_order.issues.order_by("id")),
        "outputs": list(work_order.outputs.select_related("lot").order_by("id")),
    }


def work_order_moves(user, *, work_order: WorkOrder) -> QuerySet[StockMove]:
    """The stock moves of the order's issues and outputs, as far as the user may see them."""
    issue_type = ContentType.objects.get_for_model(MaterialIssue)
    output_type = ContentType.objects.get_for_model(ProductionOutput)
    return (
        moves_visible_to(user)
        .filter(
            Q(source_type=issue_type, source_id__in=work_order.issues.values("pk"))
            | Q(source_type=output_type, source_id__in=work_order.outputs.values("pk"))
        )
        .select_related("item", "lot", "from_location__warehouse", "to_location__warehouse")
        .order_by("id")
    )


def sales_order_line_for(user, line_id) -> SalesOrderLine | None:
    """An open sales order line the user may see, to make a work order for (None when not given)."""
    if not str(line_id or "").isdigit():
        return None
    return (
        SalesOrderLine.objects.filter(order__in=orders_visible_to(user), pk=int(line_id))
        .select_related("order", "item", "warehouse")
        .first()
    )
