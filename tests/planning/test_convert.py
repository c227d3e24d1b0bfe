"""Converting planned orders: draft requisitions and work orders, linked both ways; twice refused;
a new run after converting finds the demand covered; a superseded run cannot be converted."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.planning import services, tasks
from apps.planning.models import MrpRun, PlannedOrder
from apps.planning.services import PlanningRefused
from apps.production.models import WorkOrder
from apps.purchasing.models import PurchaseRequisition, RequisitionLine

from .conftest import days, make_bom
from .test_mrp import run_plan

pytestmark = pytest.mark.django_db


def test_conversion_makes_drafts_linked_to_their_planned_orders(
    bicycles, planner, books, warehouse, django_capture_on_commit_callbacks
):
    run = run_plan(planner, books, django_capture_on_commit_callbacks)
    orders = list(run.planned_orders.order_by("id"))
    conversion = services.convert_planned_orders(actor=planner, planned_orders=orders)

    [requisition] = conversion.requisitions  # the three purchases go to one warehouse: one requisition
    assert requisition.status == PurchaseRequisition.Status.DRAFT and requisition.warehouse == warehouse
    assert requisition.needed_by == min(o.need_date for o in orders if o.kind == "purchase")
    lines = {line.item.code: line for line in requisition.lines.select_related("item", "suggested_supplier")}
    assert {code: line.quantity for code, line in lines.items()} == {
        "WHEEL": Decimal("4"),
        "TUBE": Decimal("11.55"),
        "BOLT": Decimal("100"),
    }
    assert lines["WHEEL"].needed_by == days(15) and lines["WHEEL"].suggested_supplier == bicycles.supplier

    made = {work_order.item.code: work_order for work_order in conversion.work_orders}
    assert {code: (wo.quantity, wo.due_date, wo.source, wo.status) for code, wo in made.items()} == {
        "BIKE": (Decimal("8"), days(20), WorkOrder.Source.MRP, WorkOrder.Status.DRAFT),
        "FRAME": (Decimal("7"), days(15), WorkOrder.Source.MRP, WorkOrder.Status.DRAFT),
    }
    assert made["BIKE"].bom == bicycles.bike_bom

    for order in PlannedOrder.objects.filter(run=run):
        assert order.status == PlannedOrder.Status.CONVERTED and order.converted_by == planner
        if order.kind == PlannedOrder.Kind.PURCHASE:
            assert order.requisition_line == lines[order.item.code]
        else:
            assert order.work_order == made[order.item.code]
    assert order.history.first().history_change_reason == "Converted"

    with pytest.raises(PlanningRefused) as refused:
        services.convert_planned_orders(actor=planner, planned_orders=orders[:1])
    assert refused.value.code == "already_converted"
    assert PurchaseRequisition.objects.count() == 1 and WorkOrder.objects.count() == 2

    # The drafts now count as supply (and the draft work orders' BOMs as demand): nothing more to plan.
    again = run_plan(planner, books, django_capture_on_commit_callbacks)
    assert again.status == MrpRun.Status.DONE and again.planned_orders.count() == 0


def test_a_superseded_run_and_a_refusal_write_nothing(bicycles, planner, books, django_capture_on_commit_callbacks):
    first = run_plan(planner, books, django_capture_on_commit_callbacks)
    run_plan(planner, books, django_capture_on_commit_callbacks)
    with pytest.raises(PlanningRefused) as refused:
        services.convert_planned_orders(actor=planner, planned_orders=list(first.planned_orders.all()))
    assert refused.value.code == "run_superseded"
    assert not RequisitionLine.objects.exists() and not WorkOrder.objects.exists()
    assert not PlannedOrder.objects.filter(status=PlannedOrder.Status.CONVERTED).exists()


def test_the_task_run_twice_plans_once(bicycles, planner, books):
    run = services.start_run(actor=planner, company=books, horizon_days=60)
    assert tasks.run_mrp(run.pk) is True
    assert tasks.run_mrp(run.pk) is False  # a duplicate delivery finds the run done
    run.refresh_from_db()
    assert run.status == MrpRun.Status.DONE and run.planned_orders.count() == 5
    assert [h.history_change_reason for h in run.history.order_by("history_id")] == ["Requested", "Started", "Done"]


def test_one_run_at_a_time_and_bad_parameters(bicycles, planner, books, warehouse):
    services.start_run(actor=planner, company=books, horizon_days=30)
    with pytest.raises(PlanningRefused) as refused:
        services.start_run(actor=planner, company=books, horizon_days=30)
    assert refused.value.code == "run_in_progress"
    with pytest.raises(ValidationError) as invalid:
        services.start_run(actor=planner, company=books, horizon_days=0)
    assert "horizon_days" in invalid.value.message_dict
    assert MrpRun.objects.count() == 1


def test_a_bom_loop_fails_the_run_visibly(bicycles, planner, books, django_capture_on_commit_callbacks):
    """The tube, bought so far, made from bikes: a loop the production app would refuse; MRP refuses it too."""
    make_bom(books, bicycles.tube, "1", (bicycles.bike, "1", "0"))
    run = run_plan(planner, books, django_capture_on_commit_callbacks)
    assert run.status == MrpRun.Status.FAILED and "loop" in run.error
    assert run.planned_orders.count() == 0
