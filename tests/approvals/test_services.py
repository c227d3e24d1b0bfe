import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from apps.approvals import selectors, services
from apps.approvals.models import ApprovalRequest, ApprovalRule, Decision, Delegation, Notification, RequestStep
from apps.approvals.services import ApprovalError
from apps.inventory import services as stock
from apps.inventory.models import StockAdjustment, StockBalance

pytestmark = pytest.mark.django_db

ADJUSTMENT = "inventory.stockadjustment"


@pytest.fixture
def clerk(make_user, books, warehouse):
    return make_user(username="clerk", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def approvers(make_user, books, warehouse):
    group = Group.objects.get(name="approver")
    bosses = [
        make_user(username=f"boss{n}", roles=["approver"], companies=[books], warehouses=[warehouse]) for n in range(2)
    ]
    return bosses, group


def rule(admin, company, *, name, priority=100, min_amount=None, steps, **conditions):
    return services.save_rule(
        actor=admin,
        rule=ApprovalRule(
            company=company, document_type=ADJUSTMENT, name=name, priority=priority, min_amount=min_amount
        ),
        steps=steps,
        **conditions,
    )


def adjustment(actor, company, warehouse, location, item, quantity="10", cost="100"):
    draft = stock.create_adjustment(
        actor=actor,
        company=company,
        warehouse=warehouse,
        reason="found",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal(cost)}],
    )
    return stock.post_adjustment(actor=actor, adjustment=draft)


def test_no_matching_rule_posts_and_records_that_no_approval_was_needed(
    books, admin_user, clerk, warehouse, location, item
):
    rule(admin_user, books, name="big", min_amount=Decimal("5000"), steps=[{"kind": "user", "user": admin_user}])

    posted = adjustment(clerk, books, warehouse, location, item, quantity="1", cost="10")

    assert posted.status == StockAdjustment.Status.POSTED
    assert ApprovalRequest.objects.get().status == ApprovalRequest.Status.NOT_REQUIRED


def test_a_document_already_waiting_cannot_be_submitted_again(books, admin_user, clerk, warehouse, location, item):
    rule(admin_user, books, name="all", steps=[{"kind": "user", "user": admin_user}])
    waiting = adjustment(clerk, books, warehouse, location, item)

    with pytest.raises(ApprovalError) as refused:
        services.submit(document=waiting, actor=clerk)

    assert refused.value.code == "already_submitted"
    assert ApprovalRequest.objects.filter(status="pending").count() == 1


def test_rules_match_by_amount_and_priority(books, admin_user, clerk, warehouse, location, item):
    rule(
        admin_user,
        books,
        name="over 500",
        priority=20,
        min_amount=Decimal("500"),
        steps=[{"kind": "user", "user": admin_user}],
    )
    rule(
        admin_user,
        books,
        name="over 100",
        priority=10,
        min_amount=Decimal("100"),
        steps=[{"kind": "user", "user": admin_user}],
    )

    waiting = adjustment(clerk, books, warehouse, location, item, quantity="10", cost="100")

    assert waiting.status == StockAdjustment.Status.PENDING_APPROVAL
    request = ApprovalRequest.objects.get(status="pending")
    assert request.rule.name == "over 100" and request.amount == Decimal("1000.00")
    assert not StockBalance.objects.exists()


def test_three_step_chain_with_a_group_where_all_must_approve(
    books, admin_user, clerk, approvers, warehouse, location, item
):
    bosses, group = approvers
    clerk.manager = admin_user
    clerk.save()
    rule(
        admin_user,
        books,
        name="chain",
        steps=[
            {"kind": "manager"},
            {"kind": "group", "group": group, "mode": "all"},
            {"kind": "user", "user": admin_user},
        ],
    )
    waiting = adjustment(clerk, books, warehouse, location, item)
    request = ApprovalRequest.objects.get(status="pending")

    services.decide(request=request, actor=admin_user, verdict="approve")
    assert set(selectors.waiting_for(bosses[0])) == {request}
    assert selectors.waits_for(bosses[0], request) and not selectors.waits_for(admin_user, request)
    services.decide(request=request, actor=bosses[0], verdict="approve")
    assert not selectors.waits_for(bosses[0], request) and selectors.waits_for(bosses[1], request)
    assert request.steps.get(order=2).status == RequestStep.Status.ACTIVE  # the other member has not decided
    with pytest.raises(ApprovalError):
        services.decide(request=request, actor=bosses[0], verdict="approve")
    services.decide(request=request, actor=bosses[1], verdict="approve")
    outcome = services.decide(request=request, actor=admin_user, verdict="approve")

    assert outcome.finished
    waiting.refresh_from_db()
    assert waiting.status == StockAdjustment.Status.POSTED
    assert StockBalance.objects.get(item=item).on_hand == Decimal("10")
    assert Decision.objects.filter(request=request).count() == 4


def test_rejection_ends_the_chain_and_returns_the_document_to_draft(
    books, admin_user, clerk, warehouse, location, item
):
    rule(admin_user, books, name="all", steps=[{"kind": "user", "user": admin_user}, {"kind": "manager"}])
    waiting = adjustment(clerk, books, warehouse, location, item)
    request = ApprovalRequest.objects.get(status="pending")

    with pytest.raises(ValidationError):
        services.decide(request=request, actor=admin_user, verdict="reject", comment="")
    services.decide(request=request, actor=admin_user, verdict="reject", comment="count again")

    waiting.refresh_from_db()
    request.refresh_from_db()
    assert waiting.status == StockAdjustment.Status.DRAFT
    assert request.status == ApprovalRequest.Status.REJECTED
    assert request.steps.get(order=2).status == RequestStep.Status.CANCELLED
    assert Notification.objects.filter(user=clerk, request=request).exists()


def test_self_approval_is_refused(books, admin_user, warehouse, location, item):
    rule(admin_user, books, name="mine", steps=[{"kind": "user", "user": admin_user, "fallback_user": None}])
    with pytest.raises(ApprovalError) as refused:
        adjustment(admin_user, books, warehouse, location, item)
    assert refused.value.code == "no_approver"


def test_a_delegate_decides_on_behalf_of_the_approver(books, admin_user, clerk, make_user, warehouse, location, item):
    stand_in = make_user(username="deputy", roles=["approver"], companies=[books], warehouses=[warehouse])
    services.save_delegation(
        actor=admin_user,
        delegation=Delegation(
            delegator=admin_user, delegate=stand_in, start_date=date.today(), end_date=date.today() + timedelta(days=3)
        ),
    )
    rule(admin_user, books, name="one", steps=[{"kind": "user", "user": admin_user}])
    adjustment(clerk, books, warehouse, location, item)
    request = ApprovalRequest.objects.get(status="pending")

    assert list(selectors.waiting_for(stand_in)) == [request]
    services.decide(request=request, actor=stand_in, verdict="approve")

    decision = Decision.objects.get(request=request)
    assert (decision.decided_by, decision.on_behalf_of) == (stand_in, admin_user)


def test_escalation_hands_a_late_step_to_the_fallback(books, admin_user, clerk, make_user, warehouse, location, item):
    fallback = make_user(username="fallback", roles=["approver"], companies=[books], warehouses=[warehouse])
    rule(
        admin_user,
        books,
        name="slow",
        steps=[{"kind": "user", "user": admin_user, "escalate_after_hours": 24, "fallback_user": fallback}],
    )
    adjustment(clerk, books, warehouse, location, item)
    request = ApprovalRequest.objects.get(status="pending")

    assert services.escalate_due(now=timezone.now() + timedelta(hours=13)) == 0  # a reminder, not yet escalation
    assert Notification.objects.filter(user=admin_user, message__startswith="Reminder").exists()
    assert services.escalate_due(now=timezone.now() + timedelta(hours=25)) == 1
    assert list(selectors.waiting_for(fallback)) == [request]
    services.decide(request=request, actor=fallback, verdict="approve")
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.APPROVED


def test_editing_a_waiting_document_withdraws_its_request(books, admin_user, clerk, warehouse, location, item):
    rule(admin_user, books, name="one", steps=[{"kind": "user", "user": admin_user}])
    waiting = adjustment(clerk, books, warehouse, location, item)

    stock.update_adjustment(
        actor=clerk,
        adjustment=waiting,
        reason="recounted",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal("2")}],
    )

    waiting.refresh_from_db()
    assert waiting.status == StockAdjustment.Status.DRAFT
    assert ApprovalRequest.objects.get().status == ApprovalRequest.Status.WITHDRAWN
    assert list(selectors.waiting_for(admin_user)) == []


def test_a_rule_edit_does_not_change_requests_already_running(
    books, admin_user, clerk, make_user, warehouse, location, item
):
    other = make_user(username="other", roles=["approver"], companies=[books])
    chain = rule(
        admin_user,
        books,
        name="chain",
        steps=[{"kind": "user", "user": admin_user}, {"kind": "user", "user": admin_user}],
    )
    adjustment(clerk, books, warehouse, location, item)
    services.save_rule(actor=admin_user, rule=chain, steps=[{"kind": "user", "user": other}])
    request = ApprovalRequest.objects.get(status="pending")

    services.decide(request=request, actor=admin_user, verdict="approve")

    assert request.rule_version == 1 and ApprovalRule.objects.get().version == 2
    assert list(selectors.waiting_for(admin_user)) == [request]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_deciding_one_step_at_once_make_one_decision(
    books, admin_user, clerk, approvers, warehouse, location, item
):
    bosses, group = approvers
    rule(admin_user, books, name="any", steps=[{"kind": "group", "group": group, "mode": "any"}])
    waiting = adjustment(clerk, books, warehouse, location, item)
    request = ApprovalRequest.objects.get(status="pending")
    start = threading.Barrier(2)
    outcomes = []

    def approve(boss):
        try:
            start.wait()
            services.decide(request=request, actor=boss, verdict="approve")
            outcomes.append("approved")
        except ApprovalError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(boss,)) for boss in bosses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_decided", "approved"]
    assert Decision.objects.filter(request=request).count() == 1
    waiting.refresh_from_db()
    assert waiting.status == StockAdjustment.Status.POSTED
