"""The inbox over /api/v1/approvals/: what waits (delegated included), what I submitted and decided;
approving and rejecting one or several; rules versioned; notifications read."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.approvals import services
from apps.approvals.models import ApprovalRequest, ApprovalRule, Decision, Delegation, Notification
from apps.inventory import services as stock
from apps.inventory.models import StockAdjustment, StockBalance
from tests.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/approvals"
ADJUSTMENT = "inventory.stockadjustment"


@pytest.fixture
def clerk(make_user, books, warehouse):
    return make_user(username="clerk", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def approver(make_user, books, warehouse):
    return make_user(username="approver", roles=["approver"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def one_step(admin_user, books, approver):
    return services.save_rule(
        actor=admin_user,
        rule=ApprovalRule(company=books, document_type=ADJUSTMENT, name="stock"),
        steps=[{"kind": "user", "user": approver}],
    )


@pytest.fixture
def submit(clerk, books, warehouse, location, item):
    """submit(quantity) -> a stock adjustment waiting for approval, and its request."""

    def make(quantity="10", *, actor=None, in_warehouse=None, at=None):
        draft = stock.create_adjustment(
            actor=actor or clerk,
            company=books,
            warehouse=in_warehouse or warehouse,
            reason="found in a corner",
            document_date=date.today(),
            lines=[
                {"item": item, "location": at or location, "quantity": Decimal(quantity), "unit_cost": Decimal("100")}
            ],
        )
        adjustment = stock.post_adjustment(actor=actor or clerk, adjustment=draft)
        return adjustment, ApprovalRequest.objects.get(object_id=adjustment.pk, status="pending")

    return make


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_the_inbox_lists_what_waits_for_me_with_its_step_and_holder(api_client, one_step, approver, clerk, submit):
    _adjustment, request = submit()

    waiting = api_client(approver).get(f"{API}/requests/")

    assert waiting.status_code == 200
    (row,) = waiting.json()["results"]
    assert (row["id"], row["document_number"], row["amount"]) == (request.pk, request.document_number, "1000.00")
    assert row["requester"]["username"] == "clerk"
    assert row["current_step"]["order"] == 1
    assert [holder["username"] for holder in row["current_step"]["holders"]] == ["approver"]
    assert ids(api_client(clerk).get(f"{API}/requests/")) == []
    assert ids(api_client(clerk).get(f"{API}/requests/", {"box": "submitted"})) == [request.pk]


def test_approving_through_the_api_posts_the_document_and_lands_in_decided(
    api_client, one_step, approver, submit, item, location
):
    adjustment, request = submit()

    answer = api_client(approver).post(f"{API}/requests/{request.pk}/approve/", {"comment": "fine"}, format="json")

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "approved"
    assert body["steps"][0]["decisions"][0]["decided_by"]["username"] == "approver"
    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.POSTED
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("10")
    assert ids(api_client(approver).get(f"{API}/requests/")) == []
    assert ids(api_client(approver).get(f"{API}/requests/", {"box": "decided"})) == [request.pk]


def test_a_rejection_needs_a_comment_and_returns_the_document_to_draft(api_client, one_step, approver, submit):
    adjustment, request = submit()
    client = api_client(approver)

    bare = client.post(f"{API}/requests/{request.pk}/reject/", {}, format="json")
    assert bare.status_code == 400
    assert "comment" in bare.json()["error"]["fields"]
    assert not Decision.objects.exists()

    answer = client.post(f"{API}/requests/{request.pk}/reject/", {"comment": "count again"}, format="json")

    assert answer.status_code == 200 and answer.json()["status"] == "rejected"
    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.DRAFT
    again = client.post(f"{API}/requests/{request.pk}/approve/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"


def test_approving_several_at_once_reports_each(api_client, one_step, approver, submit, item, location):
    first, first_request = submit("4")
    second, second_request = submit("6")

    answer = api_client(approver).post(
        f"{API}/requests/decide/",
        {"ids": [first_request.pk, second_request.pk, 999999], "verdict": "approve"},
        format="json",
    )

    assert answer.status_code == 200
    results = {row["id"]: row for row in answer.json()["results"]}
    assert results[first_request.pk]["status"] == "approved" and results[first_request.pk]["error"] is None
    assert results[second_request.pk]["finished"] is True
    assert results[999999]["error"]["code"] == "not_found"
    for adjustment in (first, second):
        adjustment.refresh_from_db()
        assert adjustment.status == StockAdjustment.Status.POSTED
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("10")


def test_the_requester_cannot_approve_their_own_request_through_the_api(
    api_client, admin_user, books, make_user, warehouse, approver, submit
):
    from django.contrib.auth.models import Group

    both = make_user(username="both", roles=["warehouse_keeper", "approver"], companies=[books], warehouses=[warehouse])
    services.save_rule(
        actor=admin_user,
        rule=ApprovalRule(company=books, document_type=ADJUSTMENT, name="group"),
        steps=[{"kind": "group", "group": Group.objects.get(name="approver")}],
    )
    adjustment, request = submit(actor=both)

    answer = api_client(both).post(f"{API}/requests/{request.pk}/approve/", {}, format="json")

    assert answer.status_code == 403 and answer.json()["error"]["code"] == "self_approval"
    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.PENDING_APPROVAL
    assert not Decision.objects.exists()


def test_a_delegate_sees_and_decides_and_the_decision_records_both(
    api_client, make_user, books, warehouse, one_step, approver, submit
):
    deputy = make_user(username="deputy", roles=["approver"], companies=[books], warehouses=[warehouse])
    created = api_client(approver).post(
        f"{API}/delegations/",
        {
            "delegate": deputy.pk,
            "start_date": date.today().isoformat(),
            "end_date": (date.today() + timedelta(days=2)).isoformat(),
            "reason": "holiday",
        },
        format="json",
    )
    assert created.status_code == 201
    _adjustment, request = submit()

    assert ids(api_client(deputy).get(f"{API}/requests/")) == [request.pk]
    answer = api_client(deputy).post(f"{API}/requests/{request.pk}/approve/", {}, format="json")

    assert answer.status_code == 200
    decision = answer.json()["steps"][0]["decisions"][0]
    assert (decision["decided_by"]["username"], decision["on_behalf_of"]["username"]) == ("deputy", "approver")
    assert Delegation.objects.get().delegator == approver


def test_a_request_for_a_warehouse_the_approver_may_not_see_is_not_found(
    api_client, admin_user, books, approver, one_step, make_user, submit
):
    east = WarehouseFactory(company=books, code="EAST")
    east_bin = LocationFactory(warehouse=east, code="E-01")
    _adjustment, request = submit(actor=admin_user, in_warehouse=east, at=east_bin)

    client = api_client(approver)
    assert ids(client.get(f"{API}/requests/")) == []
    assert client.get(f"{API}/requests/{request.pk}/").status_code == 404
    assert client.post(f"{API}/requests/{request.pk}/approve/", {}, format="json").status_code == 404
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalRequest.Status.PENDING


def test_deciding_needs_the_decision_permission(api_client, one_step, clerk, submit):
    _adjustment, request = submit()

    answer = api_client(clerk).post(f"{API}/requests/{request.pk}/approve/", {}, format="json")

    assert answer.status_code == 403
    assert not Decision.objects.exists()


def test_a_rule_saved_through_the_api_is_a_new_version_and_running_requests_keep_theirs(
    api_client, admin_user, books, approver, one_step, submit, make_user
):
    _adjustment, request = submit()
    other = make_user(username="other", roles=["approver"], companies=[books])

    answer = api_client(admin_user).patch(
        f"{API}/rules/{one_step.pk}/",
        {"steps": [{"kind": "user", "user": other.pk}], "min_amount": "50.00", "reason": "new approver"},
        format="json",
    )

    assert answer.status_code == 200, answer.json()
    assert answer.json()["version"] == 2
    request.refresh_from_db()
    assert request.rule_version == 1
    assert [step["user"] for step in answer.json()["steps"]] == [other.pk]
    assert one_step.history.count() == 2


def test_notifications_are_listed_and_marked_read(api_client, one_step, approver, submit):
    _adjustment, request = submit()
    client = api_client(approver)

    unread = client.get(f"{API}/notifications/", {"unread": "true"})
    assert [row["request"] for row in unread.json()["results"]] == [request.pk]

    marked = client.post(f"{API}/notifications/mark-read/", {}, format="json")

    assert marked.json()["marked"] == 1
    assert not Notification.objects.filter(user=approver, read_at__isnull=True).exists()
