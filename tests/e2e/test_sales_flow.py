"""A salesperson takes an order in the browser and is warned the customer goes over the credit limit;
the order waits for approval, is approved, and a warehouse keeper ships it from the suggested picks."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRequest, ApprovalRule
from apps.inventory.models import StockBalance
from apps.sales.models import Delivery, SalesOrder
from tests.sales import conftest as sales_fixtures

pytestmark = pytest.mark.browser

# The sales tests' customer (credit limit 1,000.00) and opening stock (20 bolts in A-01).
customer = sales_fixtures.customer
stock = sales_fixtures.stock


def test_an_order_over_the_credit_limit_is_approved_and_delivered(
    page, sign_in, make_user, admin_user, books, customer, warehouse, location, item, stock
):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books], partners=[customer])
    customer.owner = clerk
    customer.save()
    manager = make_user(username="manager", roles=["approver"], companies=[books], partners=[customer])
    make_user(username="keeper", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])
    approvals.save_rule(
        actor=admin_user,
        rule=ApprovalRule(company=books, document_type="sales.salesorder", name="credit", credit_limit_exceeded=True),
        steps=[{"kind": "user", "user": manager}],
    )
    page.on("dialog", lambda dialog: dialog.accept())

    sign_in("clerk")
    page.goto("/sales/orders/new/")
    page.select_option("select[name=customer]", str(customer.pk))
    credit = page.locator("#credit-status")
    expect(credit).to_have_attribute("data-exceeded", "0")
    page.select_option("select[name=warehouse]", str(warehouse.pk))
    page.select_option("select[name='lines-0-item']", str(item.pk))
    page.locator("input[name='lines-0-quantity']").press_sequentially("10", delay=30)
    expect(page.locator("[data-line-available]").first).to_contain_text("20")
    page.locator("input[name='lines-0-price']").press_sequentially("100", delay=30)
    expect(page.locator("#lines-total")).to_have_text("1,130.00")
    expect(credit).to_have_attribute("data-exceeded", "1")
    expect(credit).to_contain_text("Over the credit limit")
    page.click("button[type=submit]:has-text('Save')")

    order = SalesOrder.objects.get()
    expect(page).to_have_url(re.compile(rf"/sales/orders/{order.pk}/$"))
    page.click("button:has-text('Confirm')")
    expect(page.locator("#document-status")).to_have_text("Pending approval")
    expect(page.locator("#credit-warning")).to_be_visible()
    expect(page.locator(".approval-trail")).to_be_visible()

    approvals.decide(request=ApprovalRequest.objects.get(status="pending"), actor=manager, verdict="approve")
    page.reload()
    expect(page.locator("#document-status")).to_have_text("Confirmed")

    page.context.clear_cookies()
    sign_in("keeper")
    page.goto("/sales/deliveries/new/")
    page.select_option("select[name=order]", str(order.pk))
    page.click("button:has-text('Continue')")
    expect(page.locator("#entry-rows tbody tr")).to_have_count(1)
    expect(page.locator("#entry-rows input").first).to_have_value("10")
    page.click("button[type=submit]:has-text('Save')")
    delivery = Delivery.objects.get()
    expect(page).to_have_url(re.compile(rf"/sales/deliveries/{delivery.pk}/$"))
    page.click("button:has-text('Ship')")
    expect(page.locator("#document-status")).to_have_text("Shipped")

    order.refresh_from_db()
    assert order.status == SalesOrder.Status.DELIVERED
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("10")
    assert StockBalance.objects.get(item=item, location=location).reserved == Decimal("0")
