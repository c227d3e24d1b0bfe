"""A planner's day: a work order entered on its form for a product with a two-level BOM, released from
its page (components reserved), material issued with the lot-tracked component named, and an output
posted into a lot; the page then shows the flow down to the lot."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.inventory.models import StockBalance
from apps.masterdata.models import Item
from apps.production.models import BillOfMaterials, WorkOrder
from tests.production.conftest import TODAY, bike, frame, frame_bom, plant_stock, resin, steel  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("plant_stock", "frame_bom")]


@pytest.fixture
def planner(make_user, books, warehouse):
    return make_user(username="planner", roles=["production_planner"], companies=[books], warehouses=[warehouse])


def test_a_planner_creates_releases_and_reports_output(page, sign_in, planner, warehouse, location):
    made, tube = Item.objects.get(code="FRAME"), Item.objects.get(code="STEEL")
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in("planner")
    page.goto("/production/work-orders/new/")
    page.select_option("select[name=item]", str(made.pk))
    page.fill("input[name=quantity]", "10")
    page.select_option("select[name=warehouse]", str(warehouse.pk))
    page.select_option("select[name=output_location]", str(location.pk))
    page.fill("input[name=due_date]", TODAY.isoformat())
    page.click("button[type=submit]:has-text('Save')")
    expect(page).to_have_url(re.compile(r"/production/work-orders/\d+/$"))
    order = WorkOrder.objects.get()
    expect(page.locator("#document-status")).to_have_text("Draft")

    page.click("button:has-text('Release')")
    expect(page.locator("#document-status")).to_have_text("Released")
    expect(page.locator("#components")).to_contain_text("21")
    assert StockBalance.objects.get(item=tube).reserved == Decimal("21")

    page.click("#issue-material")
    expect(page.locator("input[name='lines-0-quantity']")).to_have_value("21")
    page.click("button[type=submit]:has-text('Save')")
    expect(page.locator(".alert-success")).to_contain_text("was posted")
    expect(page.locator("#document-status")).to_have_text("In progress")

    page.click("#report-output")
    page.fill("input[name=quantity]", "4")
    page.fill("input[name=lot_number]", "F-0001")
    page.click("button[type=submit]:has-text('Save')")
    expect(page.locator(".alert-success")).to_contain_text("was posted")
    expect(page.locator("#production-flow")).to_contain_text("F-0001")

    order.refresh_from_db()
    assert order.status == WorkOrder.Status.IN_PROGRESS
    assert order.output_quantity == Decimal("4") and order.output_value == Decimal("25.20")  # 4 × 2.1 × 3.00
    assert StockBalance.objects.get(item=made, lot__number="F-0001").on_hand == Decimal("4")


def enter_bom(page, item: Item, component: Item, quantity: str, *, activate: bool) -> None:
    """Fill and save the new-BOM form with one component line, output quantity 1."""
    page.goto("/production/boms/new/")
    page.select_option("select[name=item]", str(item.pk))
    page.fill("input[name=version]", "1")
    page.fill("input[name=output_quantity]", "1")
    page.select_option("select[name='lines-0-component']", str(component.pk))
    page.fill("input[name='lines-0-quantity']", quantity)
    if activate:
        page.check("input[name=activate]")
    page.click("button[type=submit]:has-text('Save')")


@pytest.mark.usefixtures("bike")
def test_a_planner_enters_a_two_level_bom_sees_its_cost_roll_up_and_is_refused_a_cycle(page, sign_in, planner):
    made, part, tube = (Item.objects.get(code=code) for code in ("BIKE", "FRAME", "STEEL"))
    sign_in("planner")
    enter_bom(page, made, part, "2", activate=True)

    expect(page).to_have_url(re.compile(r"/production/boms/\d+/$"))
    # The roll-up goes a level down, to the steel tubes on the frame's own BOM.
    expect(page.locator("#bom-active")).to_be_visible()
    expect(page.locator("#cost-rollup tr", has_text="STEEL")).to_contain_text("2")

    enter_bom(page, tube, made, "1", activate=False)

    expect(page.locator("body")).to_contain_text("STEEL → BIKE → FRAME → STEEL")
    assert not BillOfMaterials.objects.filter(item=tube).exists()
