"""The management dashboard in a browser: the vendored chart library draws the charts offline, and a
figure opens the report behind it."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.inventory import services as inventory

pytestmark = pytest.mark.browser


@pytest.fixture
def stock(admin_user, books, warehouse, location, item):
    adjustment = inventory.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=timezone.localdate(),
        lines=[{"item": item, "location": location, "quantity": Decimal("10"), "unit_cost": Decimal("4")}],
    )
    return inventory.post_adjustment(actor=admin_user, adjustment=adjustment)


def test_charts_are_drawn_from_local_assets_and_a_figure_opens_its_report(
    sign_in, page, live_server, admin_user, books, stock
):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    sign_in("admin")

    expect(page.locator("#figure-stock-value .erp-dash-value")).to_have_text("40.00")
    page.wait_for_function("document.querySelector('canvas[data-dashboard-chart=chart-stock]').chart !== undefined")
    drawn = page.evaluate("document.querySelector('canvas[data-dashboard-chart=chart-stock]').chart.data.labels")
    assert drawn == ["MAIN"]
    assert [url for url in requested if not url.startswith(live_server.url)] == []  # no CDN

    page.click("#figure-stock-value")

    expect(page).to_have_url(re.compile(rf"/inventory/valuation/\?company={books.pk}$"))
    expect(page.locator("main")).to_contain_text("MAIN")
