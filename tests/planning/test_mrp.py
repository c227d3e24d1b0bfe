"""MRP on a fixture whose answers are worked out by hand below (see tests/planning/conftest.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.planning import services
from apps.planning.models import MrpRun, Pegging, PlannedOrder

from .conftest import TODAY, days

pytestmark = pytest.mark.django_db


def run_plan(actor, company, django_capture_on_commit_callbacks, horizon_days=60) -> MrpRun:
    """Start a run as the browser or the API would; the (eager) task runs when the start commits."""
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(actor=actor, company=company, horizon_days=horizon_days)
    run.refresh_from_db()
    return run


def planned(run: MrpRun, item) -> PlannedOrder:
    [order] = run.planned_orders.filter(item=item)
    return order


def pegs(order: PlannedOrder) -> list[tuple[str, Decimal]]:
    return sorted((p.demand, p.quantity) for p in order.peggings.all())


def test_two_levels_lead_times_scrap_open_po_and_reorder_point(
    bicycles, planner, books, warehouse, django_capture_on_commit_callbacks
):
    b = bicycles
    run = run_plan(planner, books, django_capture_on_commit_callbacks)
    assert run.status == MrpRun.Status.DONE, run.error
    assert run.progress_percent == 100 and run.as_of is not None and run.plan_date == TODAY
    assert (run.purchase_count, run.production_count) == (3, 2)

    # BIKE (level 0): 10 wanted in 20 days (the 5 in 90 days lie beyond the 60-day horizon); 2 on hand
    # (reserved by that very order, so still counted) -> make 8, needed day 20, started day 20 - 5 = 15.
    bike = planned(run, b.bike)
    assert (bike.kind, bike.quantity, bike.need_date, bike.start_date, bike.level) == (
        "production",
        Decimal("8"),
        days(20),
        days(15),
        0,
    )
    assert bike.bom == b.bike_bom
    assert [(p.demand, p.quantity, p.sales_order_line_id) for p in bike.peggings.all()] == [
        ("sales_order_line", Decimal("8"), b.bike_order.lines.get().pk)
    ]

    # FRAME (level 1): 8 bikes need 8 frames on day 15; 1 on hand -> make 7, started day 15 - 3 = 12.
    frame = planned(run, b.frame)
    assert (frame.kind, frame.quantity, frame.need_date, frame.start_date, frame.level) == (
        "production",
        Decimal("7"),
        days(15),
        days(12),
        1,
    )
    assert [(p.demand, p.quantity, p.parent_id) for p in frame.peggings.all()] == [
        ("planned_order", Decimal("7"), bike.pk)
    ]

    # WHEEL (level 1, bought): 2 spares on day 10 come from the 4 on hand; 8 bikes need 16 on day 15,
    # covered by the 2 left on hand and the open PO's 10 (expected day 5) -> buy 4, ordered day 15 - 7 = 8,
    # from the supplier of its latest purchase order.
    wheel = planned(run, b.wheel)
    assert (wheel.kind, wheel.quantity, wheel.need_date, wheel.start_date, wheel.supplier) == (
        "purchase",
        Decimal("4"),
        days(15),
        days(8),
        b.supplier,
    )
    assert pegs(wheel) == [("planned_order", Decimal("4"))]

    # TUBE (level 2): 7 frames made by batches of 2 frames from 3 tubes with 10 % scrap:
    # 7 x 3 x (1 + 0.10) / 2 = 11.55, as the work order would reserve them, needed when the frames start (day 12),
    # ordered day 12 - 10 = 2.
    tube = planned(run, b.tube)
    assert (tube.kind, tube.quantity, tube.need_date, tube.start_date, tube.level) == (
        "purchase",
        Decimal("11.55"),
        days(12),
        days(2),
        2,
    )

    # BOLT (level 2: the frame, itself level 1, uses it). The reorder point of 50 against 30 on hand is
    # short by 20 today; the order is raised to the reorder quantity, 100, needed today and ordered 2 days
    # ago (late). Its other 80 cover the frames' 7 x 2 / 2 = 7 (day 12) and the bikes' 8 x 4 = 32 (day 15).
    bolt = planned(run, b.bolt)
    assert (bolt.kind, bolt.quantity, bolt.need_date, bolt.start_date, bolt.level) == (
        "purchase",
        Decimal("100"),
        TODAY,
        TODAY - timedelta(days=2),
        2,
    )
    assert pegs(bolt) == [
        ("planned_order", Decimal("7")),
        ("planned_order", Decimal("32")),
        ("reorder_point", Decimal("20")),
    ]
    assert {p.parent_id for p in bolt.peggings.filter(demand=Pegging.Demand.PLANNED_ORDER)} == {bike.pk, frame.pk}
    assert run.planned_orders.count() == 5
