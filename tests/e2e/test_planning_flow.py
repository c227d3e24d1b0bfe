"""MRP in the browser: a planner starts a run, watches it finish, and converts the planned work order
and purchase of a bicycle made of two wheels into a draft work order and a draft requisition."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from apps.planning.models import MrpRun, PlannedOrder
from apps.production.models import WorkOrder
from apps.purchasing.models import PurchaseRequisition
from tests.factories import ItemFactory, PartnerFactory
from tests.planning.conftest import make_bom, sell

pytestmark = pytest.mark.browser


def test_a_planner_runs_mrp_and_converts_the_plan(page, sign_in, make_user, admin_user, books, warehouse):
    bike = ItemFactory(company=books, code="BIKE", name="Bicycle", lead_time_days=2)
    wheel = ItemFactory(company=books, code="WHEEL", name="Wheel", lead_time_days=4)
    make_bom(books, bike, "1", (wheel, "2", "0"))
    customer = PartnerFactory(company=books, code="CUS1", name="Harbour Cycles", is_customer=True)
    sell(admin_user, books, customer, warehouse, bike, "3", date.today() + timedelta(days=10))
    make_user(username="planner", roles=["production_planner", "buyer"], companies=[books], warehouses=[warehouse])

    sign_in("planner")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Planning").click()
    page.get_by_role("link", name="MRP runs").click()
    page.get_by_role("link", name="New").click()
    page.fill("input[name=horizon_days]", "30")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_test_id("run-status")).to_have_text("Done")
    expect(page.get_by_text("Planned from the data as of")).to_be_visible()
    rows = page.locator("#convert-form tbody tr")
    expect(rows).to_have_count(2)
    page.locator("tr[data-item=BIKE] input[type=checkbox]").check()
    page.locator("tr[data-item=WHEEL] input[type=checkbox]").check()
    page.get_by_role("button", name="Convert selected").click()

    expect(page.get_by_role("alert").filter(has_text="Converted into")).to_be_visible()
    work_order = WorkOrder.objects.get()
    requisition = PurchaseRequisition.objects.get()
    expect(page.locator("tr[data-item=BIKE]")).to_contain_text(work_order.number)
    expect(page.locator("tr[data-item=WHEEL]")).to_contain_text(requisition.number)
    run = MrpRun.objects.get()
    assert set(run.planned_orders.values_list("status", flat=True)) == {PlannedOrder.Status.CONVERTED}
    assert (work_order.quantity, work_order.source) == (3, WorkOrder.Source.MRP)
    assert [(line.item.code, line.quantity) for line in requisition.lines.all()] == [("WHEEL", 6)]
    assert re.search(rf"/planning/runs/{run.pk}/", page.url)
