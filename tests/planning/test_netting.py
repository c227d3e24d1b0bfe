"""The netting rules alone, on plain data (no database)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.planning.netting import Bom, BomComponent, Demand, ItemRule, Plan, PlanningError, Supply, explode
from apps.production.models import BomLine
from apps.production.services.common import required_per_output

TODAY = date(2026, 3, 2)
WH = 1


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


def test_explosion_rounds_up_after_scrap():
    bom = Bom(1, Decimal("3"), (BomComponent(10, Decimal("2"), Decimal("7")), BomComponent(11, Decimal("1"), 0)))
    # 5 x 2 x 1.07 / 3 = 3.5666..., up to 3.566667; 5 x 1 / 3 = 1.6666..., up to 1.666667
    assert explode(bom, Decimal("5")) == [(10, Decimal("3.566667")), (11, Decimal("1.666667"))]


def test_explosion_plans_what_a_released_work_order_would_reserve():
    line = BomLine(base_quantity=Decimal("3"), scrap_percent=Decimal("12.5"))
    bom = Bom(1, Decimal("4"), (BomComponent(10, line.base_quantity, line.scrap_percent),))
    [(_item, planned)] = explode(bom, Decimal("9"))
    assert planned == (Decimal("9") * required_per_output(line, Decimal("4"))).quantize(Decimal("0.000001"))


def test_one_order_per_short_day_and_late_supply_does_not_cover():
    plan = Plan(rules={7: ItemRule(lead_time_days=3)}, today=TODAY, reorder_warehouse_id=WH)
    plan.add_supply(Supply(7, WH, day(10), Decimal("50")))  # arrives after the first two demands
    for n, (on, quantity) in enumerate(((day(5), "4"), (day(5), "6"), (day(12), "30")), start=1):
        plan.add_demand(Demand(7, WH, on, Decimal(quantity), "sales_order_line", n))
    [order] = plan.run()
    assert (order.quantity, order.need_date, order.start_date) == (Decimal("10"), day(5), day(2))
    assert [(demand.source_id, quantity) for demand, quantity in order.peggings] == [
        (1, Decimal("4")),
        (2, Decimal("6")),
    ]


def test_past_demand_is_needed_today_and_a_loop_is_refused():
    plan = Plan(rules={7: ItemRule()}, today=TODAY, reorder_warehouse_id=WH)
    plan.add_demand(Demand(7, WH, day(-4), Decimal("1"), "sales_order_line", 1))
    [order] = plan.run()
    assert order.need_date == order.start_date == TODAY

    loop = {
        1: ItemRule(bom=Bom(1, Decimal(1), (BomComponent(2, Decimal(1), Decimal(0)),))),
        2: ItemRule(bom=Bom(2, Decimal(1), (BomComponent(1, Decimal(1), Decimal(0)),))),
    }
    with pytest.raises(PlanningError) as refused:
        Plan(rules=loop, today=TODAY, reorder_warehouse_id=WH).run()
    assert refused.value.code == "bom_cycle" and "1, 2" in refused.value.message
