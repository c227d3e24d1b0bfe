"""A warehouse keeper's screens: an adjustment of two inline lines with its live total, posted and seen
in stock on hand; a transfer between two bins; a stock count started, entered and confirmed."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.inventory import services
from apps.inventory.models import StockAdjustment, StockBalance, StockCount, StockTransfer

pytestmark = pytest.mark.browser


@pytest.fixture
def keeper(make_user, books, warehouse):
    return make_user(username="keeper", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def confirming(page):
    """Accept the "are you sure?" dialogs of the status buttons, as the keeper would."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def on_hand(item, location) -> Decimal:
    return StockBalance.objects.get(item=item, location=location, lot=None).on_hand


def fill_line(page, index: int, **values: str) -> None:
    for name, value in values.items():
        field = page.locator(f"[name=lines-{index}-{name}]")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def save(page, pages: str) -> int:
    """Submit the form and wait for the saved document's page; its id."""
    page.click("main button[type=submit]:has-text('Save')")
    expect(page).to_have_url(re.compile(rf"/inventory/{pages}/\d+/$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def act(page, label: str, status: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    expect(page.locator("#document-status")).to_have_text(re.compile(status, re.IGNORECASE))


def test_adjustment_with_two_lines_is_posted_and_shows_in_stock_on_hand(
    confirming, sign_in, keeper, warehouse, location, other_location, item
):
    page = sign_in("keeper")
    page.goto("/inventory/adjustments/new/")
    page.select_option("select[name=warehouse]", str(warehouse.pk))
    page.fill("[name=reason]", "Found in the yard")
    fill_line(page, 0, item=str(item.pk), location=str(location.pk), quantity="10", unit_cost="2.50")
    page.click("[data-formset-add=lines]")
    fill_line(page, 1, item=str(item.pk), location=str(other_location.pk), quantity="4", unit_cost="3")
    expect(page.locator("#lines-total")).to_have_text("37.00")
    adjustment = StockAdjustment.objects.get(pk=save(page, "adjustments"))
    assert adjustment.status == StockAdjustment.Status.DRAFT and adjustment.lines.count() == 2

    act(page, "Post", "posted")
    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.POSTED and adjustment.total_value == Decimal("37.00")
    assert (on_hand(item, location), on_hand(item, other_location)) == (Decimal("10"), Decimal("4"))

    page.goto("/inventory/stock/")
    rows = page.locator("#report tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=location.code)).to_contain_text(item.code)
    expect(rows.filter(has_text=other_location.code)).to_contain_text("4")


def test_transfer_between_bins_then_a_count_corrects_the_stock(
    confirming, sign_in, keeper, books, warehouse, location, other_location, item
):
    draft = services.create_adjustment(
        actor=keeper,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal("10"), "unit_cost": Decimal("2")}],
    )
    services.post_adjustment(actor=keeper, adjustment=draft)
    page = sign_in("keeper")

    page.goto("/inventory/transfers/new/")
    page.select_option("select[name=from_warehouse]", str(warehouse.pk))
    page.select_option("select[name=to_warehouse]", str(warehouse.pk))
    fill_line(
        page, 0, item=str(item.pk), from_location=str(location.pk), to_location=str(other_location.pk), quantity="3"
    )
    transfer = StockTransfer.objects.get(pk=save(page, "transfers"))
    act(page, "Move", "done")
    transfer.refresh_from_db()
    assert transfer.status == StockTransfer.Status.DONE
    assert (on_hand(item, location), on_hand(item, other_location)) == (Decimal("7"), Decimal("3"))

    page.goto("/inventory/counts/new/")
    page.select_option("select[name=warehouse]", str(warehouse.pk))
    page.select_option("select[name=locations]", [str(location.pk)])
    count = StockCount.objects.get(pk=save(page, "counts"))
    act(page, "Start counting", "counting")

    page.click("a:has-text('Enter counted quantities')")
    expect(page).to_have_url(re.compile(rf"/inventory/counts/{count.pk}/entry/$"))
    line = count.lines.get()
    assert line.expected_quantity == Decimal("7")
    page.fill(f"[name=line_{line.pk}]", "6")
    page.click("main button[type=submit]:has-text('Save counted quantities')")
    expect(page).to_have_url(re.compile(rf"/inventory/counts/{count.pk}/$"))

    act(page, "Confirm", "confirmed")
    count.refresh_from_db()
    assert count.status == StockCount.Status.CONFIRMED and count.difference_value == Decimal("-2.00")
    assert (on_hand(item, location), on_hand(item, other_location)) == (Decimal("6"), Decimal("3"))
