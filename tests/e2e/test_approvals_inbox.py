"""An approver's morning: the navigation badge says two stock adjustments wait, the inbox lists them,
both are ticked and approved at once, and both adjustments are posted to stock."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRequest, ApprovalRule, Decision
from apps.inventory import services as stock
from apps.inventory.models import StockAdjustment, StockBalance

pytestmark = pytest.mark.browser


@pytest.fixture
def approver(make_user, books, warehouse):
    return make_user(username="approver", roles=["approver"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def submitted(make_user, admin_user, books, warehouse, location, item, approver):
    """Two adjustments a clerk sent to posting, each held for the approver by a one-step rule."""
    clerk = make_user(username="clerk", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])
    approvals.save_rule(
        actor=admin_user,
        rule=ApprovalRule(company=books, document_type="inventory.stockadjustment", name="every adjustment"),
        steps=[{"kind": "user", "user": approver}],
    )
    adjustments = []
    for quantity in ("10", "5"):
        draft = stock.create_adjustment(
            actor=clerk,
            company=books,
            warehouse=warehouse,
            reason="found in a corner",
            document_date=date.today(),
            lines=[{"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal("100")}],
        )
        adjustments.append(stock.post_adjustment(actor=clerk, adjustment=draft))
    return adjustments


def test_approver_sees_the_badge_and_approves_two_requests_at_once(page, sign_in, approver, submitted, item, location):
    requests = list(ApprovalRequest.objects.filter(status="pending").order_by("pk"))
    assert [adjustment.status for adjustment in submitted] == [StockAdjustment.Status.PENDING_APPROVAL] * 2

    sign_in("approver")
    expect(page.locator("#approvals-waiting")).to_have_text("2")

    page.click("#approvals-inbox")
    expect(page).to_have_url(re.compile(r"/approvals/"))
    rows = page.locator("#inbox tbody tr[data-request]")
    expect(rows).to_have_count(2)
    for adjustment, request in zip(submitted, requests, strict=True):
        row = page.locator(f"#inbox tr[data-request='{request.pk}']")
        expect(row).to_contain_text(adjustment.number)
        row.locator("input[name=ids]").check()
    page.fill("#bulk-form [name=comment]", "counted twice")
    page.click("#bulk-form button[name=approve_selected]")

    expect(page.locator(".alert-success")).to_contain_text("2 requests approved")
    expect(page.locator("#inbox")).to_contain_text("Nothing waits for your approval.")
    expect(page.locator("#approvals-waiting")).to_have_count(0)

    for adjustment in submitted:
        adjustment.refresh_from_db()
        assert adjustment.status == StockAdjustment.Status.POSTED
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("15")
    assert sorted(Decision.objects.values_list("request_id", "decided_by__username", "comment")) == [
        (request.pk, "approver", "counted twice") for request in requests
    ]
