"""Planning's state changes: start a run, execute it (claim, read, net, write), convert planned orders
into draft requisitions and work orders."""

import functools
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from apps.core.documents import stamp_history
from apps.core.errors import DomainError
from apps.masterdata.models import Company, Warehouse
from apps.production.models import WorkOrder
from apps.production.services import create_work_order
from apps.purchasing.models import PurchaseRequisition
from apps.purchasing.services import create_requisition

from . import selectors
from .models import MrpRun, Pegging, PlannedOrder
from .netting import Plan, PlannedSupply

logger = logging.getLogger(__name__)

MAX_HORIZON_DAYS = 730
MAX_CONVERT = 500  # planned orders converted in one request: one transaction, bounded
STALE_AFTER = timedelta(minutes=30)  # a run queued or running longer than this no longer blocks a new one


class PlanningRefused(DomainError):
    status_code = 409


# --- Starting and executing a run ---------------------------------------------------------------


def start_run(*, actor, company: Company, horizon_days: int, reorder_warehouse: Warehouse | None = None) -> MrpRun:
    """Queue a run of the company's plan; the worker executes it once this transaction commits."""
    if horizon_days is None or not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise ValidationError(
            {"horizon_days": [_("Plan between 1 and %(max)s days ahead.") % {"max": MAX_HORIZON_DAYS}]}
        )
    reorder_warehouse = reorder_warehouse or selectors.default_reorder_warehouse(company)
    if reorder_warehouse is None or reorder_warehouse.company_id != company.pk or not reorder_warehouse.active:
        raise ValidationError({"reorder_warehouse": [_("Choose an active warehouse of this company.")]})
    from .tasks import run_mrp  # tasks wrap these services: imported here, not at the top

    with transaction.atomic():
        # One start at a time per company; NO KEY UPDATE leaves inserts referencing the company unblocked.
        Company.objects.select_for_update(no_key=True).filter(pk=company.pk).first()
        running = selectors.open_run(company, since=timezone.now() - STALE_AFTER)
        if running is not None:
            raise PlanningRefused(
                _("%(run)s is still in progress; wait for it to finish.") % {"run": running}, code="run_in_progress"
            )
        run = MrpRun(
            company=company, requested_by=actor, horizon_days=horizon_days, reorder_warehouse=reorder_warehouse
        )
        run.progress_message = _("Waiting for a worker")
        stamp_history(run, actor=actor, reason=_("Requested"))
        run.save()
        transaction.on_commit(functools.partial(run_mrp.delay, run.pk))
    return run


def execute_run(run_id: int) -> MrpRun | None:
    """Claim a queued run (or one left running by a lost worker) and compute it; anything else is left
    alone, so a duplicated or retried task does nothing. A failure marks the run failed, writing nothing."""
    run = _claim(run_id)
    if run is None:
        return None
    try:
        _compute(run)
    except Exception as error:  # any failure ends the run visibly instead of leaving it running
        if not isinstance(error, DomainError):
            logger.exception("MRP run %s failed", run_id)
        _finish(run, status=MrpRun.Status.FAILED, error=str(error), reason=_("Failed"))
    return run


def _claim(run_id: int) -> MrpRun | None:
    with transaction.atomic():
        run = (
            MrpRun.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=run_id, status__in=MrpRun.STATUS_GROUPS["open"])
            .select_related("company", "requested_by")
            .first()
        )
        if run is None:
            return None
        if run.status == MrpRun.Status.RUNNING and run.started_at > timezone.now() - STALE_AFTER:
            return None  # another worker is on it
        run.status, run.started_at = MrpRun.Status.RUNNING, timezone.now()
        run.progress_percent, run.progress_message = 5, _("Reading demand and supply")
        stamp_history(run, actor=run.requested_by, reason=_("Started"))
        run.save()
    return run


def _progress(run: MrpRun, percent: int, message: str) -> None:
    """Recorded at once (outside the run's own transactions) so the page polling the run sees it."""
    run.progress_percent, run.progress_message = percent, message
    MrpRun.objects.filter(pk=run.pk).update(progress_percent=percent, progress_message=message)


def _compute(run: MrpRun) -> None:
    plan, as_of = _read(run)
    run.as_of, run.plan_date = as_of, timezone.localdate(as_of)

    def netted(done: int, total: int) -> None:
        _progress(
            run, 20 + 60 * done // total, _("Netted level %(done)s of %(total)s") % {"done": done, "total": total}
        )

    planned = plan.run(on_level=netted)
    _progress(run, 85, _("Writing %(count)s planned orders") % {"count": len(planned)})
    with transaction.atomic():
        _write(run, planned)
        run.purchase_count = sum(1 for order in planned if order.kind == PlannedOrder.Kind.PURCHASE)
        run.production_count = len(planned) - run.purchase_count
        _finish(run, status=MrpRun.Status.DONE, error="", reason=_("Done"))


def _read(run: MrpRun) -> tuple[Plan, datetime]:
    """Every read in one transaction; on PostgreSQL a repeatable-read one, so the plan sees one moment: `as_of`."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        as_of = timezone.now()
        plan = selectors.read_plan(
            run.company,
            today=timezone.localdate(as_of),
            horizon_days=run.horizon_days,
            reorder_warehouse_id=run.reorder_warehouse_id,
        )
    _progress(run, 20, _("Netting demand against supply"))
    return plan, as_of


def _write(run: MrpRun, planned: list[PlannedSupply]) -> None:
    orders = bulk_create_with_history(
        [
            PlannedOrder(
                run=run,
                company_id=run.company_id,
                kind=order.kind,
                item_id=order.item_id,
                quantity=order.quantity,
                warehouse_id=order.warehouse_id,
                need_date=order.need_date,
                start_date=order.start_date,
                supplier_id=order.supplier_id,
                bom_id=order.bom_id,
                level=order.level,
            )
            for order in planned
        ],
        PlannedOrder,
        default_user=run.requested_by,
        default_change_reason=_("Planned by %(run)s") % {"run": run},
    )
    Pegging.objects.bulk_create(
        [
            _pegging(orders[order.key], demand, quantity, orders)
            for order in planned
            for demand, quantity in order.peggings
        ]
    )


def _pegging(order: PlannedOrder, demand, quantity, orders: list[PlannedOrder]) -> Pegging:
    pegging = Pegging(planned_order=order, demand=demand.kind, demand_date=demand.date, quantity=quantity)
    source = {
        Pegging.Demand.SALES_ORDER_LINE: "sales_order_line_id",
        Pegging.Demand.WORK_ORDER_COMPONENT: "work_order_component_id",
        Pegging.Demand.DRAFT_WORK_ORDER: "work_order_id",
    }.get(demand.kind)
    if source:
        setattr(pegging, source, demand.source_id)
    elif demand.kind == Pegging.Demand.PLANNED_ORDER:
        pegging.parent = orders[demand.source_id]
    return pegging


def _finish(run: MrpRun, *, status: str, error: str, reason: str) -> None:
    run.status, run.error, run.finished_at = status, error, timezone.now()
    if status == MrpRun.Status.DONE:
        run.progress_percent, run.progress_message = 100, _("Done")
    else:
        run.progress_message = _("Failed")
    stamp_history(run, actor=run.requested_by, reason=reason)
    run.save()


# --- Converting planned orders ------------------------------------------------------------------


# What a planned order becomes, and the permission that takes.
CONVERTS_INTO = {
    PlannedOrder.Kind.PURCHASE: "purchasing.add_purchaserequisition",
    PlannedOrder.Kind.PRODUCTION: "production.add_workorder",
}


def permissions_to_convert(planned_orders: list[PlannedOrder]) -> set[str]:
    return {CONVERTS_INTO[order.kind] for order in planned_orders}


@dataclass
class Conversion:
    requisitions: list[PurchaseRequisition] = field(default_factory=list)
    work_orders: list[WorkOrder] = field(default_factory=list)


def convert_planned_orders(
    *, actor, planned_orders: list[PlannedOrder], document_date: date | None = None
) -> Conversion:
    """Planned purchases become draft requisitions (one per warehouse), planned work orders draft work
    orders from MRP; each planned order links to what it became. All or nothing; twice is refused."""
    check_conversion_size(len(planned_orders))
    document_date = document_date or timezone.localdate()
    with transaction.atomic():
        orders = list(
            PlannedOrder.objects.select_for_update(of=("self",))
            .filter(pk__in=[order.pk for order in planned_orders])
            .select_related("run", "company", "item", "warehouse", "supplier", "bom")
            .order_by("pk")
        )
        _check_convertible(orders)
        conversion = Conversion()
        purchases = [order for order in orders if order.kind == PlannedOrder.Kind.PURCHASE]
        for warehouse_orders in _by_warehouse(purchases).values():
            conversion.requisitions.append(_to_requisition(warehouse_orders, actor=actor, on=document_date))
        for order in orders:
            if order.kind == PlannedOrder.Kind.PRODUCTION:
                conversion.work_orders.append(_to_work_order(order, actor=actor))
    return conversion


def check_conversion_size(count: int) -> None:
    """At least one planned order and at most MAX_CONVERT in one conversion."""
    if count == 0:
        raise ValidationError({"planned_orders": [_("Choose at least one planned order.")]})
    if count > MAX_CONVERT:
        raise ValidationError(
            {"planned_orders": [_("Convert at most %(max)s planned orders at once.") % {"max": MAX_CONVERT}]}
        )


def _check_convertible(orders: list[PlannedOrder]) -> None:
    converted = [order for order in orders if order.status == PlannedOrder.Status.CONVERTED]
    if converted:
        raise PlanningRefused(
            _("Already converted: %(orders)s.") % {"orders": ", ".join(str(order) for order in converted)},
            code="already_converted",
        )
    runs = {order.run for order in orders}
    for run in runs:
        latest = selectors.latest_run(run.company)
        if latest is None or latest.pk != run.pk:
            raise PlanningRefused(
                _("%(run)s has been superseded by a later run; convert from the latest one.") % {"run": run},
                code="run_superseded",
            )


def _by_warehouse(orders: list[PlannedOrder]) -> dict[int, list[PlannedOrder]]:
    grouped: dict[int, list[PlannedOrder]] = defaultdict(list)
    for order in orders:
        grouped[order.warehouse_id].append(order)
    return grouped


def _to_requisition(orders: list[PlannedOrder], *, actor, on: date) -> PurchaseRequisition:
    first = orders[0]
    requisition = create_requisition(
        actor=actor,
        company=first.company,
        warehouse=first.warehouse,
        document_date=on,
        needed_by=min(order.need_date for order in orders),
        reason=_("Planned by %(run)s") % {"run": first.run},
        lines=[
            {
                "item": order.item,
                "quantity": order.quantity,
                "needed_by": order.need_date,
                "suggested_supplier": order.supplier,
            }
            for order in orders
        ],
    )
    for order, line in zip(orders, requisition.lines.order_by("id"), strict=True):
        _mark_converted(order, actor=actor, requisition_line=line)
    return requisition


def _to_work_order(order: PlannedOrder, *, actor) -> WorkOrder:
    work_order = create_work_order(
        actor=actor,
        company=order.company,
        item=order.item,
        quantity=order.quantity,
        due_date=order.need_date,
        warehouse=order.warehouse,
        source=WorkOrder.Source.MRP,
        bom=order.bom,
    )
    _mark_converted(order, actor=actor, work_order=work_order)
    return work_order


def _mark_converted(order: PlannedOrder, *, actor, requisition_line=None, work_order=None) -> None:
    order.status = PlannedOrder.Status.CONVERTED
    order.requisition_line, order.work_order = requisition_line, work_order
    order.converted_at, order.converted_by = timezone.now(), actor
    stamp_history(order, actor=actor, reason=_("Converted"))
    order.save()
