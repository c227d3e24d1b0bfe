"""A purchase in the browser, three people: a buyer enters an order of two lines (one bought by the
box, stocked by the piece) and submits it, an approver approves it from the inbox, and a warehouse
keeper receives it; the stock and the order's status follow."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRule
from apps.inventory.models import StockBalance
from apps.masterdata.models import UnitConversion, UnitOfMeasure
from apps.purchasing.models import PurchaseOrder
from tests.factories import ItemFactory, PartnerFactory

from .conftest import FACTORY_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def supplier(company):
    return PartnerFactory(company=company, code="SUP1", name="Steel Supplier Co.", is_supplier=True, is_customer=False)


@pytest.fixture
def boxed_item(company):
    """Bought by the box of 12, stocked by the piece."""
    box, pcs = UnitOfMeasure.objects.get(code="BOX"), UnitOfMeasure.objects.get(code="PCS")
    item = ItemFactory(company=company, code="SCREW", name="Screw", base_unit=pcs, purchase_unit=box)
    UnitConversion.objects.create(item=item, from_unit=box, to_unit=pcs, factor=Decimal("12"))
    return item


@pytest.fixture
def person(browser, live_server):
    """person(username): a browser tab of its own, signed in as that user."""
    contexts = []

    def open_as(username: str):
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        tab.on("dialog", lambda dialog: dialog.accept())  # the confirmations of Submit and Post
        tab.goto("/accounts/login/")
        tab.fill("input[name=username]", username)
        tab.fill("input[name=password]", FACTORY_PASSWORD)
        tab.click("form[action='/accounts/login/'] button[type=submit]")
        tab.wait_for_url("**/")
        return tab

    yield open_as
    for context in contexts:
        context.close()


def test_a_buyer_orders_an_approver_approves_and_a_keeper_receives(
    person, make_user, admin_user, books, supplier, warehouse, location, item, boxed_item
):
    scope = {"companies": [books], "warehouses": [warehouse], "partners": [supplier]}
    make_user(username="buyer", roles=["buyer"], **scope)
    approver = make_user(username="approver", roles=["approver"], **scope)
    make_user(username="keeper", roles=["warehouse_keeper"], **scope)
    approvals.save_rule(
        actor=admin_user,
        rule=ApprovalRule(
            company=books, document_type="purchasing.purchaseorder", name="POs over 1000", min_amount=Decimal("1000")
        ),
        steps=[{"kind": "user", "user": approver}],
    )

    buyer = person("buyer")
    buyer.goto("/purchasing/orders/new/")
    buyer.select_option("select[name=supplier]", str(supplier.pk))
    buyer.select_option("select[name=warehouse]", str(warehouse.pk))
    buyer.select_option("select[name=lines-0-item]", str(item.pk))
    buyer.fill("input[name=lines-0-quantity]", "100")
    buyer.fill("input[name=lines-0-price]", "10")
    buyer.click("[data-formset-add=lines]")
    buyer.select_option("select[name=lines-1-item]", str(boxed_item.pk))
    buyer.fill("input[name=lines-1-quantity]", "5")
    buyer.fill("input[name=lines-1-price]", "18")
    expect(buyer.locator("[data-line-row]").nth(1).locator("[data-line-base]")).to_have_text("60 PCS")
    expect(buyer.locator("#order-total")).to_have_text("1,231.70")  # (1000 + 90) + 13 % VAT
    buyer.click("button[type=submit]:has-text('Save')")
    order = PurchaseOrder.objects.get()
    expect(buyer).to_have_url(re.compile(rf"/purchasing/orders/{order.pk}/$"))
    buyer.click("button:has-text('Submit')")
    expect(buyer.locator("#document-status")).to_have_text("Pending approval")
    expect(buyer.locator(".approval-trail")).to_contain_text("approver")

    inbox = person("approver")
    inbox.goto("/approvals/")
    row = inbox.locator(f"tr:has(a:text('{order.number}'))")
    row.locator("button[value=approve]").click()
    expect(inbox.locator(f"tr:has(a:text('{order.number}'))")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CONFIRMED

    keeper = person("keeper")
    keeper.goto(f"/purchasing/orders/{order.pk}/")
    keeper.click("a:has-text('Receive goods')")
    expect(keeper.locator("[data-picked-row]")).to_have_count(2)
    keeper.fill("input[name=delivery_note]", "DN-2026-1")
    keeper.click("button[type=submit]:has-text('Save')")
    expect(keeper).to_have_url(re.compile(r"/purchasing/receipts/\d+/$"))
    keeper.click("button:has-text('Post')")
    expect(keeper.locator("#document-status")).to_have_text("Posted")
    expect(keeper.locator("#purchase-flow")).to_contain_text(order.number)

    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RECEIVED
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("100")
    assert StockBalance.objects.get(item=boxed_item, location=location).on_hand == Decimal("60")
    assert StockBalance.objects.get(item=boxed_item, location=location).value == Decimal("90.00")
    assert order.lines.get(item=boxed_item).received_quantity == Decimal("60")
    assert order.document_date == date.today()
