"""Reads of planning: scoping of runs (by company) and planned orders (by company and warehouse), and
what a run reads: item rules, demand and supply, each in one query whatever the number of items."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Max, QuerySet, Sum
from django.db.models.functions import Coalesce

from apps.core.access import scoped
from apps.inventory.models import StockBalance
from apps.masterdata.models import Company, Item, Warehouse
from apps.masterdata.selectors import ACCESS_COMPANY, in_visible_warehouse
from apps.production.models import BillOfMaterials, BomLine, WorkOrder, WorkOrderComponent
from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseRequisition, RequisitionLine
from apps.sales.models import SalesOrder, SalesOrderLine

from .models import MrpRun, Pegging, PlannedOrder
from .netting import Bom, BomComponent, Demand, ItemRule, Plan, Supply

# --- Scoping ------------------------------------------------------------------------------------


def runs_visible_to(user) -> QuerySet[MrpRun]:
    return scoped(
        MrpRun.objects.select_related("company", "requested_by", "reorder_warehouse"),
        user=user,
        perm=ACCESS_COMPANY,
        scope_model=Company,
        through="company",
    )


def planned_orders_visible_to(user) -> QuerySet[PlannedOrder]:
    """Planned orders of the user's companies, in the user's warehouses."""
    return in_visible_warehouse(
        PlannedOrder.objects.select_related(
            "run", "item__base_unit", "warehouse", "supplier", "bom", "work_order", "requisition_line__requisition"
        ),
        user,
    )


def peggings_of(planned_order: PlannedOrder) -> QuerySet[Pegging]:
    return planned_order.peggings.select_related(
        "sales_order_line__order", "work_order_component__work_order", "work_order", "parent__item"
    ).order_by("demand_date", "id")


def latest_run(company: Company) -> MrpRun | None:
    """The company's latest finished run: the only one whose planned orders may still be converted."""
    return MrpRun.objects.filter(company=company, status=MrpRun.Status.DONE).order_by("-finished_at", "-id").first()


def open_run(company: Company, *, since) -> MrpRun | None:
    """A run of the company queued or running since `since`."""
    return (
        MrpRun.objects.filter(company=company, status__in=MrpRun.STATUS_GROUPS["open"], requested_at__gte=since)
        .order_by("-id")
        .first()
    )


def default_reorder_warehouse(company: Company) -> Warehouse | None:
    return Warehouse.objects.filter(company=company, active=True).order_by("code").first()


# --- What a run reads ---------------------------------------------------------------------------

OPEN_SALES = (SalesOrder.Status.CONFIRMED, SalesOrder.Status.PARTIALLY_DELIVERED)
OPEN_PURCHASES = PurchaseOrder.STATUS_GROUPS["open"]
OPEN_REQUISITIONS = PurchaseRequisition.STATUS_GROUPS["open"]
ACTIVE_WORK = WorkOrder.STATUS_GROUPS["active"]
OPEN_WORK = WorkOrder.STATUS_GROUPS["open"]


def item_rules(company: Company) -> dict[int, ItemRule]:
    """Lead time, reorder rule, active BOM and latest supplier of every item of the company (four queries)."""
    boms = {
        row["id"]: row
        for row in BillOfMaterials.objects.filter(company=company, is_active=True).values(
            "id", "item_id", "output_quantity"
        )
    }
    components: dict[int, list[BomComponent]] = {bom_id: [] for bom_id in boms}
    for line in (
        BomLine.objects.filter(bom__company=company, bom__is_active=True)
        .order_by("id")
        .values("bom_id", "component_id", "base_quantity", "scrap_percent")
    ):
        components[line["bom_id"]].append(
            BomComponent(line["component_id"], line["base_quantity"], line["scrap_percent"])
        )
    bom_of_item = {
        row["item_id"]: Bom(row["id"], row["output_quantity"], tuple(components[bom_id]))
        for bom_id, row in boms.items()
    }
    suppliers = latest_suppliers(company)
    rules = {}
    for item in Item.objects.filter(company=company).values(
        "id", "lead_time_days", "reorder_point", "reorder_quantity", "active", "item_type"
    ):
        keeps_stock = item["active"] and item["item_type"] == Item.ItemType.STOCK
        rules[item["id"]] = ItemRule(
            lead_time_days=item["lead_time_days"],
            reorder_point=item["reorder_point"] if keeps_stock else Decimal(0),
            reorder_quantity=item["reorder_quantity"],
            bom=bom_of_item.get(item["id"]),
            supplier_id=suppliers.get(item["id"]),
        )
    return rules


def latest_suppliers(company: Company) -> dict[int, int]:
    """Each item's supplier on its latest purchase order line, in one query."""
    latest = (
        PurchaseOrderLine.objects.filter(order__company=company)
        .exclude(order__status=PurchaseOrder.Status.CANCELLED)
        .values("item_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    return dict(PurchaseOrderLine.objects.filter(id__in=latest).values_list("item_id", "order__supplier_id"))


def add_sales_demand(plan: Plan, company: Company, *, until: date) -> None:
    """Open sales order lines: what is still to deliver, on the order's requested (else its own) date."""
    lines = (
        SalesOrderLine.objects.filter(
            order__company=company,
            order__status__in=OPEN_SALES,
            closed_short=False,
            delivered_quantity__lt=F("base_quantity"),
        )
        .annotate(due=Coalesce("order__requested_date", "order__document_date"))
        .filter(due__lte=until)
        .values_list("id", "item_id", "warehouse_id", "due", "base_quantity", "delivered_quantity")
    )
    for line_id, item_id, warehouse_id, due, quantity, delivered in lines:
        plan.add_demand(Demand(item_id, warehouse_id, due, quantity - delivered, "sales_order_line", line_id))


def add_work_order_demand(plan: Plan, company: Company, *, until: date) -> None:
    """Components of released and started work orders (required − issued), needed when the order starts:
    its due date less the lead time of the item it makes."""
    components = WorkOrderComponent.objects.filter(
        work_order__company=company,
        work_order__status__in=ACTIVE_WORK,
        issued_quantity__lt=F("required_quantity"),
    ).values_list(
        "id",
        "item_id",
        "work_order__warehouse_id",
        "work_order__due_date",
        "work_order__item__lead_time_days",
        "required_quantity",
        "issued_quantity",
    )
    for component_id, item_id, warehouse_id, due, lead_time, required, issued in components:
        start = due - timedelta(days=lead_time)
        if start <= until:
            plan.add_demand(
                Demand(item_id, warehouse_id, start, required - issued, "work_order_component", component_id)
            )


def add_work_order_supply(plan: Plan, company: Company, *, until: date, rules: dict[int, ItemRule]) -> None:
    """Open work orders bring what they have still to output on their due date; a draft one also needs
    its BOM's components (it has none of its own before release)."""
    orders = list(
        WorkOrder.objects.filter(
            company=company, status__in=OPEN_WORK, output_quantity__lt=F("quantity"), due_date__lte=until
        ).values_list("id", "item_id", "warehouse_id", "quantity", "output_quantity", "due_date", "status", "bom_id")
    )
    boms = {rule.bom.id: rule.bom for rule in rules.values() if rule.bom}
    named = {order[-1] for order in orders if order[-2] == WorkOrder.Status.DRAFT and order[-1]} - set(boms)
    if named:
        boms.update(boms_by_id(named))
    for order_id, item_id, warehouse_id, quantity, output, due, status, bom_id in orders:
        remaining = quantity - output
        if status != WorkOrder.Status.DRAFT:
            plan.add_supply(Supply(item_id, warehouse_id, due, remaining))
            continue
        bom = boms.get(bom_id) if bom_id else plan.rule(item_id).bom
        plan.add_draft_work_order(
            work_order_id=order_id,
            item_id=item_id,
            warehouse_id=warehouse_id,
            bom=bom,
            quantity=remaining,
            due_date=due,
        )


def boms_by_id(bom_ids: set[int]) -> dict[int, Bom]:
    """Inactive BOM versions that draft work orders name (one query)."""
    lines = (
        BomLine.objects.filter(bom_id__in=bom_ids)
        .order_by("id")
        .values_list("bom_id", "bom__output_quantity", "component_id", "base_quantity", "scrap_percent")
    )
    output: dict[int, Decimal] = {}
    components: dict[int, list[BomComponent]] = {}
    for bom_id, output_quantity, component_id, base_quantity, scrap in lines:
        output[bom_id] = output_quantity
        components.setdefault(bom_id, []).append(BomComponent(component_id, base_quantity, scrap))
    return {bom_id: Bom(bom_id, output[bom_id], tuple(parts)) for bom_id, parts in components.items()}


def add_stock_supply(plan: Plan, company: Company) -> None:
    """Stock on hand per item and warehouse (reservations belong to the very orders planned as demand)."""
    rows = (
        StockBalance.objects.filter(company=company)
        .values("item_id", "warehouse_id")
        .annotate(on_hand=Sum("on_hand"))
        .order_by()
        .values_list("item_id", "warehouse_id", "on_hand")
    )
    for item_id, warehouse_id, on_hand in rows:
        plan.add_supply(Supply(item_id, warehouse_id, date.min, on_hand))


def add_purchase_supply(plan: Plan, company: Company, *, until: date) -> None:
    """Open purchase order lines (unreceived, by expected date) and open requisition lines (not yet ordered)."""
    order_lines = (
        PurchaseOrderLine.objects.filter(
            order__company=company,
            order__status__in=OPEN_PURCHASES,
            closed_short=False,
            received_quantity__lt=F("base_quantity"),
        )
        .annotate(due=Coalesce("expected_date", "order__expected_date"))
        .filter(due__lte=until)
        .values_list("item_id", "warehouse_id", "due", "base_quantity", "received_quantity")
    )
    for item_id, warehouse_id, due, quantity, received in order_lines:
        plan.add_supply(Supply(item_id, warehouse_id, due, quantity - received))
    requisition_lines = (
        RequisitionLine.objects.filter(
            requisition__company=company,
            requisition__status__in=OPEN_REQUISITIONS,
            ordered_quantity__lt=F("quantity"),
        )
        .annotate(due=Coalesce("needed_by", "requisition__needed_by"))
        .filter(due__lte=until)
        .values_list("item_id", "requisition__warehouse_id", "due", "quantity", "ordered_quantity")
    )
    for item_id, warehouse_id, due, quantity, ordered in requisition_lines:
        plan.add_supply(Supply(item_id, warehouse_id, due, quantity - ordered))


def read_plan(company: Company, *, today: date, horizon_days: int, reorder_warehouse_id: int) -> Plan:
    """Everything a run nets, in a fixed number of queries (ten, eleven when a draft work order names an
    inactive BOM version), however many items, orders and lines there are."""
    until = today + timedelta(days=horizon_days)
    rules = item_rules(company)
    plan = Plan(rules=rules, today=today, reorder_warehouse_id=reorder_warehouse_id)
    add_sales_demand(plan, company, until=until)
    add_work_order_demand(plan, company, until=until)
    add_work_order_supply(plan, company, until=until, rules=rules)
    add_stock_supply(plan, company)
    add_purchase_supply(plan, company, until=until)
    return plan
