"""The shop-floor screen on a TV: an output posted on the floor shows on the screen at its next
refresh, without reloading the page."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.inventory import services as inventory
from apps.production import services
from tests.factories import ItemFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def planner(make_user, books, warehouse):
    return make_user(username="planner", roles=["production_planner"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def cabinets(admin_user, books, warehouse, location):
    """10 cabinets due today, released, 2 panels each, with the 20 panels in stock."""
    panel = ItemFactory(company=books, code="PANEL", name="Side panel")
    cabinet = ItemFactory(company=books, code="CAB", name="Steel cabinet")
    services.create_bom(
        actor=admin_user,
        company=books,
        item=cabinet,
        version="1",
        lines=[{"component": panel, "quantity": Decimal("2")}],
        activate=True,
    )
    adjustment = inventory.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=timezone.localdate(),
        lines=[{"item": panel, "location": location, "quantity": Decimal("20"), "unit_cost": Decimal("5")}],
    )
    inventory.post_adjustment(actor=admin_user, adjustment=adjustment)
    order = services.create_work_order(
        actor=admin_user,
        company=books,
        item=cabinet,
        quantity=Decimal("10"),
        due_date=timezone.localdate(),
        warehouse=warehouse,
        output_location=location,
    )
    return services.release_work_order(actor=admin_user, work_order=order)


def test_the_screen_shows_an_output_posted_on_the_floor_without_a_reload(sign_in, planner, admin_user, cabinets):
    page = sign_in("planner")
    page.goto("/production/floor/?refresh=1")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#floor-plan-today")).to_have_text("10")
    expect(page.locator("#floor-output-today")).to_have_text("0")
    expect(page.locator(f"#floor-order-{cabinets.pk}")).to_have_count(0)  # released, not started yet
    first_refresh = page.locator("#floor-refreshed-at").get_attribute("datetime")
    page.evaluate("window.screenWasNotReloaded = true")

    services.post_output(actor=admin_user, work_order=cabinets, quantity=Decimal("4"))

    expect(page.locator("#floor-output-today")).to_have_text("4")
    expect(page.locator("#floor-percent-today")).to_have_text("40%")
    expect(page.locator(f"#floor-order-{cabinets.pk} .floor-percent")).to_have_text("40%")
    assert page.evaluate("window.screenWasNotReloaded") is True
    assert page.locator("#floor-refreshed-at").get_attribute("datetime") != first_refresh
