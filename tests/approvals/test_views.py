"""The approval pages: the inbox and its decisions, a request's trail, delegation, scoping, the badge,
rules edited in the browser, notifications."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.approvals import services
from apps.approvals.context_processors import waiting_count
from apps.approvals.models import ApprovalRequest, ApprovalRule, Decision, Delegation, Notification
from apps.inventory import services as stock
from apps.inventory.models import StockAdjustment, StockBalance
from apps.masterdata.selectors import companies_visible_to
from tests.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

ADJUSTMENT = "inventory.stockadjustment"
BADGE_PROCESSOR = "apps.approvals.context_processors.waiting_count"


@pytest.fixture
def badge(settings):
    """The layout's badge, from approvals' context processor (registered in erp/settings.py's TEMPLATES)."""
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    if BADGE_PROCESSOR not in processors:
        settings.TEMPLATES = [
            {
                **settings.TEMPLATES[0],
                "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "context_processors": [*processors, BADGE_PROCESSOR]},
            }
        ]


@pytest.fixture
def clerk(make_user, books, warehouse):
    return make_user(username="clerk", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def approver(make_user, books, warehouse):
    return make_user(
        username="approver",
        first_name="Ada",
        last_name="Li",
        roles=["approver"],
        companies=[books],
        warehouses=[warehouse],
    )


@pytest.fixture
def second(make_user, books, warehouse):
    return make_user(username="second", roles=["approver"], companies=[books], warehouses=[warehouse])


def make_rule(admin, company, *, steps, name="stock", **fields) -> ApprovalRule:
    return services.save_rule(
        actor=admin, rule=ApprovalRule(company=company, document_type=ADJUSTMENT, name=name, **fields), steps=steps
    )


@pytest.fixture
def one_step(admin_user, books, approver):
    return make_rule(admin_user, books, steps=[{"kind": "user", "user": approver}])


@pytest.fixture
def submit(clerk, books, warehouse, location, item):
    """submit(quantity, cost) -> a stock adjustment sent for approval (posting asks for it), and its request."""

    def make(quantity="10", cost="100", *, actor=None, in_warehouse=None, at=None):
        draft = stock.create_adjustment(
            actor=actor or clerk,
            company=books,
            warehouse=in_warehouse or warehouse,
            reason="found in a corner",
            document_date=date.today(),
            lines=[
                {"item": item, "location": at or location, "quantity": Decimal(quantity), "unit_cost": Decimal(cost)}
            ],
        )
        adjustment = stock.post_adjustment(actor=actor or clerk, adjustment=draft)
        return adjustment, ApprovalRequest.objects.get(object_id=adjustment.pk, status="pending")

    return make


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def row_ids(response) -> list[int]:
    return [row.request.pk for row in response.context["rows"]]


# --- The inbox -------------------------------------------------------------------------------------


def test_the_inbox_shows_exactly_what_waits_for_me_with_its_step_and_holder(
    admin_user, books, approver, second, clerk, submit, signed_in
):
    make_rule(admin_user, books, steps=[{"kind": "user", "user": approver}, {"kind": "user", "user": second}])
    _first, moved_on = submit("1", "10")
    _second, waiting = submit("2", "10")
    _third, also_waiting = submit("3", "10")
    services.decide(request=moved_on, actor=approver, verdict="approve")

    page = signed_in(approver).get(reverse("approvals:inbox"))

    assert page.status_code == 200
    assert row_ids(page) == [waiting.pk, also_waiting.pk]  # oldest first
    row = page.context["rows"][0]
    assert (row.step.order, row.holders) == (1, [approver])
    html = page.content.decode()
    assert waiting.document_number in html and "Step 1: Ada Li (approver)" in html
    assert moved_on.document_number not in html
    assert 'id="box-count">2<' in html

    decided = signed_in(approver).get(reverse("approvals:inbox"), {"box": "decided"})
    assert row_ids(decided) == [moved_on.pk]
    assert decided.context["rows"][0].holders == [second]  # it now waits for the second approver

    submitted = signed_in(clerk).get(reverse("approvals:inbox"), {"box": "submitted"})
    assert set(row_ids(submitted)) == {moved_on.pk, waiting.pk, also_waiting.pk}
    assert "Approve selected" not in submitted.content.decode()


def test_approving_two_at_once_posts_both_adjustments(one_step, approver, submit, signed_in, item, location):
    first, first_request = submit("10", "100")
    second, second_request = submit("5", "100")
    _third, untouched = submit("1", "100")

    response = signed_in(approver).post(
        reverse("approvals:inbox"),
        {"approve_selected": "1", "ids": [first_request.pk, second_request.pk], "comment": "counted twice"},
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (StockAdjustment.Status.POSTED, StockAdjustment.Status.POSTED)
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("15")
    assert set(Decision.objects.values_list("request_id", "comment")) == {
        (first_request.pk, "counted twice"),
        (second_request.pk, "counted twice"),
    }
    untouched.refresh_from_db()
    assert untouched.status == ApprovalRequest.Status.PENDING
    follow = signed_in(approver).get(response["Location"])
    assert row_ids(follow) == [untouched.pk]
    assert "2 requests approved" in follow.content.decode()


def test_approve_selected_without_a_tick_says_so(one_step, approver, submit, signed_in):
    submit()
    response = signed_in(approver).post(reverse("approvals:inbox"), {"approve_selected": "1", "comment": ""})
    assert response.status_code == 200
    assert "Tick the requests to approve." in response.content.decode()


def test_a_rejection_needs_a_comment_and_returns_the_document_to_draft(one_step, approver, submit, signed_in):
    adjustment, request = submit()
    client = signed_in(approver)
    prefix = f"r{request.pk}"

    refused = client.post(reverse("approvals:inbox"), {"request": request.pk, f"{prefix}-verdict": "reject"})

    assert refused.status_code == 200
    form = next(row.form for row in refused.context["rows"] if row.request.pk == request.pk)
    assert form.errors["comment"] == ["Say why you reject it."]
    assert "Say why you reject it." in refused.content.decode()
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.PENDING

    rejected = client.post(
        reverse("approvals:inbox"),
        {"request": request.pk, f"{prefix}-verdict": "reject", f"{prefix}-comment": "count it again"},
    )

    assert rejected.status_code == 302
    adjustment.refresh_from_db()
    request.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.DRAFT
    assert request.status == ApprovalRequest.Status.REJECTED
    assert Decision.objects.get(request=request).comment == "count it again"
    assert not StockBalance.objects.exists()


def test_approving_one_from_its_row_posts_it(one_step, approver, submit, signed_in, item):
    adjustment, request = submit("4", "50")
    response = signed_in(approver).post(
        reverse("approvals:inbox"), {"request": request.pk, f"r{request.pk}-verdict": "approve"}
    )
    assert response.status_code == 302
    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.POSTED
    assert StockBalance.objects.get(item=item).on_hand == Decimal("4")


def test_deciding_needs_the_decision_permission(one_step, clerk, submit, signed_in):
    _adjustment, request = submit()
    response = signed_in(clerk).post(
        reverse("approvals:inbox"), {"request": request.pk, f"r{request.pk}-verdict": "approve"}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.PENDING


def test_the_inbox_needs_the_view_permission(make_user, books, signed_in):
    outsider = make_user(username="outsider", companies=[books])
    assert signed_in(outsider).get(reverse("approvals:inbox")).status_code == 403


def test_the_inbox_query_count_does_not_grow_with_its_rows(one_step, approver, submit, signed_in, second, admin_user):
    client = signed_in(approver)
    submit()
    client.get(reverse("approvals:inbox"))  # warm caches (content types, sessions)

    with CaptureQueriesContext(connection) as one_row:
        assert len(client.get(reverse("approvals:inbox")).context["rows"]) == 1
    for _n in range(5):
        submit()
    with CaptureQueriesContext(connection) as six_rows:
        assert len(client.get(reverse("approvals:inbox")).context["rows"]) == 6

    assert len(six_rows) == len(one_row) <= 20


# --- Scope -----------------------------------------------------------------------------------------


def test_a_request_for_a_warehouse_the_approver_may_not_see_is_hidden(
    make_user, books, approver, one_step, submit, signed_in, badge
):
    far = WarehouseFactory(company=books, code="FAR", name="Far warehouse")
    far_keeper = make_user(username="far", roles=["warehouse_keeper"], companies=[books], warehouses=[far])
    _hidden_adjustment, hidden = submit(actor=far_keeper, in_warehouse=far, at=LocationFactory(warehouse=far))
    _adjustment, visible = submit()
    client = signed_in(approver)

    inbox = client.get(reverse("approvals:inbox"))

    assert row_ids(inbox) == [visible.pk]
    assert hidden.document_number not in inbox.content.decode()
    assert client.get(reverse("approvals:request_detail", args=[hidden.pk])).status_code == 404
    assert re.search(r'id="approvals-waiting"[^>]*>1<', inbox.content.decode())


# --- A request's page ------------------------------------------------------------------------------


def test_the_request_page_shows_the_trail_and_decides(admin_user, books, approver, second, submit, signed_in):
    make_rule(admin_user, books, steps=[{"kind": "user", "user": approver}, {"kind": "user", "user": second}])
    adjustment, request = submit()
    services.decide(request=request, actor=approver, verdict="approve", comment="fine by me")
    client = signed_in(second)

    page = client.get(reverse("approvals:request_detail", args=[request.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["document_url"] == reverse("inventory:adjustment-detail", args=[adjustment.pk])
    assert f'href="{page.context["document_url"]}"' in html
    assert "by Ada Li (approver)" in html and "fine by me" in html
    [trail] = page.context["trails"]
    assert [entry.holders for entry in trail.steps] == [[], [second]]
    assert 'id="decision-form"' in html

    client.post(reverse("approvals:request_detail", args=[request.pk]), {"verdict": "approve"})

    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.POSTED
    after = client.get(reverse("approvals:request_detail", args=[request.pk]))
    assert 'id="decision-form"' not in after.content.decode()


def test_the_request_page_refuses_a_rejection_without_comment_inline(one_step, approver, submit, signed_in):
    _adjustment, request = submit()
    page = signed_in(approver).post(reverse("approvals:request_detail", args=[request.pk]), {"verdict": "reject"})
    assert page.status_code == 200
    assert page.context["form"].errors["comment"] == ["Say why you reject it."]


def test_the_requester_cannot_approve_their_own_request(
    admin_user, books, make_user, warehouse, approver, submit, signed_in
):
    both = make_user(username="both", roles=["warehouse_keeper", "approver"], companies=[books], warehouses=[warehouse])
    make_rule(admin_user, books, steps=[{"kind": "group", "group": Group.objects.get(name="approver")}])
    adjustment, request = submit(actor=both)

    page = signed_in(both).post(
        reverse("approvals:request_detail", args=[request.pk]), {"verdict": "approve"}, follow=True
    )

    assert "Nobody approves their own request." in page.content.decode()
    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.PENDING_APPROVAL


def test_the_trail_tag_shows_where_a_document_stands(admin_user, books, approver, second, submit):
    from django.template import Context, Template

    make_rule(admin_user, books, steps=[{"kind": "user", "user": approver}, {"kind": "user", "user": second}])
    adjustment, request = submit()
    services.decide(request=request, actor=approver, verdict="approve")

    html = Template("{% load approvals %}{% approval_trail document %}").render(Context({"document": adjustment}))

    assert "Waiting" in html and "Approved" in html
    assert "by Ada Li (approver)" in html
    assert reverse("approvals:request_detail", args=[request.pk]) in html
    assert re.search(r'trail-holders">\s*second', html)


# --- Delegation ------------------------------------------------------------------------------------


def test_a_delegate_sees_and_decides_and_the_decision_records_both(
    make_user, books, warehouse, approver, one_step, submit, signed_in
):
    deputy = make_user(username="deputy", roles=["approver"], companies=[books], warehouses=[warehouse])
    response = signed_in(approver).post(
        reverse("approvals:delegations"),
        {
            "delegate": deputy.pk,
            "start_date": date.today().isoformat(),
            "end_date": (date.today() + timedelta(days=7)).isoformat(),
            "reason": "on leave",
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.delegator, delegation.delegate) == (approver, deputy)
    adjustment, request = submit()
    client = signed_in(deputy)

    assert row_ids(client.get(reverse("approvals:inbox"))) == [request.pk]
    client.post(reverse("approvals:inbox"), {"request": request.pk, f"r{request.pk}-verdict": "approve"})

    decision = Decision.objects.get(request=request)
    assert (decision.decided_by, decision.on_behalf_of) == (deputy, approver)
    adjustment.refresh_from_db()
    assert adjustment.status == StockAdjustment.Status.POSTED
    page = client.get(reverse("approvals:request_detail", args=[request.pk]))
    assert "by deputy on behalf of Ada Li (approver)" in page.content.decode()
    received = client.get(reverse("approvals:delegations"))
    assert received.context["received"] == [delegation]


def test_a_delegation_that_ends_before_it_starts_is_refused_inline(approver, second, signed_in):
    response = signed_in(approver).post(
        reverse("approvals:delegations"),
        {"delegate": second.pk, "start_date": "2030-05-10", "end_date": "2030-05-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Delegation.objects.exists()


def test_ending_a_delegation(approver, second, signed_in):
    delegation = services.save_delegation(
        actor=approver,
        delegation=Delegation(delegator=approver, delegate=second, start_date=date.today(), end_date=date.today()),
    )
    signed_in(approver).post(reverse("approvals:delegations"), {"end": delegation.pk})
    delegation.refresh_from_db()
    assert delegation.active is False
    assert delegation.history.count() == 2


# --- The badge -------------------------------------------------------------------------------------


def test_the_badge_counts_what_waits_in_two_queries(one_step, approver, clerk, submit, signed_in, badge, rf):
    submit()
    submit()

    home = signed_in(approver).get(reverse("home"))
    assert re.search(r'id="approvals-waiting"[^>]*>2<', home.content.decode())

    request = rf.get("/")
    request.user = approver
    approver.has_perm("approvals.view_approvalrequest")  # the layout has loaded the permissions by then,
    list(companies_visible_to(approver))  # and the dashboard the companies, warehouses and partners granted
    with CaptureQueriesContext(connection) as queries:
        assert int(str(waiting_count(request)["approvals_waiting"])) == 2
    assert len(queries) == 2  # the requests open for the approver, then which documents they may see

    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert not waiting_count(request)["approvals_waiting"]
    assert len(queries) == 0
    assert 'id="approvals-waiting"' not in signed_in(clerk).get(reverse("home")).content.decode()


# --- Notifications ---------------------------------------------------------------------------------


def test_notifications_list_and_mark_read(one_step, approver, submit, signed_in):
    submit()
    submit()
    client = signed_in(approver)

    page = client.get(reverse("approvals:notifications"))

    assert page.context["unread"] == 2
    first = Notification.objects.filter(user=approver).order_by("id").first()
    client.post(reverse("approvals:notifications"), {"ids": [first.pk]})
    assert Notification.objects.filter(user=approver, read_at__isnull=True).count() == 1
    client.post(reverse("approvals:notifications"), {"all": "1"})
    assert not Notification.objects.filter(user=approver, read_at__isnull=True).exists()


# --- Rules -----------------------------------------------------------------------------------------


def step_rows(*steps: dict, initial: int = 0) -> dict:
    data = {"steps-TOTAL_FORMS": str(len(steps)), "steps-INITIAL_FORMS": str(initial)}
    for index, step in enumerate(steps):
        data.update({f"steps-{index}-{name}": value for name, value in step.items()})
    return data


def test_an_administrator_creates_and_edits_a_rule_as_new_versions(admin_user, books, approver, second, signed_in):
    client = signed_in(admin_user)
    form = client.get(reverse("approvals:rule_create"), {"document_type": ADJUSTMENT})
    assert set(form.context["form"].fields) >= {"min_amount", "warehouses", "item_categories"}
    assert "partners" not in form.context["form"].fields  # stock adjustments do not offer it

    created = client.post(
        reverse("approvals:rule_create"),
        {
            "company": books.pk,
            "document_type": ADJUSTMENT,
            "name": "Large adjustments",
            "priority": "10",
            "active": "on",
            "min_amount": "1000",
            **step_rows({"kind": "user", "user": approver.pk, "mode": "any", "ORDER": "1"}),
        },
    )
    rule = ApprovalRule.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("approvals:rule_detail", args=[rule.pk])
    assert (rule.version, rule.min_amount, [s.user for s in rule.steps.all()]) == (1, Decimal("1000"), [approver])

    edited = client.post(
        reverse("approvals:rule_edit", args=[rule.pk]),
        {
            "name": "Large adjustments",
            "priority": "10",
            "active": "on",
            "min_amount": "500",
            "reason": "lower threshold",
            **step_rows(
                {"kind": "user", "user": approver.pk, "mode": "any", "ORDER": "2"},
                {"kind": "user", "user": second.pk, "mode": "any", "ORDER": "1"},
                initial=1,
            ),
        },
    )

    assert edited.status_code == 302
    rule.refresh_from_db()
    assert (rule.version, rule.min_amount) == (2, Decimal("500"))
    assert [step.user for step in rule.steps.order_by("order")] == [second, approver]
    page = client.get(reverse("approvals:rule_detail", args=[rule.pk]))
    assert [version.version for version in page.context["versions"]] == [2, 1]
    assert "lower threshold" in page.content.decode()
    history = client.get(reverse("approvals:rule_detail", args=[rule.pk]), {"tab": "history"})
    assert [entry.reason for entry in history.context["history"]][:2] == ["lower threshold", "Created"]


def test_a_rule_step_without_its_user_is_refused_on_its_row(admin_user, books, signed_in):
    response = signed_in(admin_user).post(
        reverse("approvals:rule_create"),
        {
            "company": books.pk,
            "document_type": ADJUSTMENT,
            "name": "Broken",
            "priority": "10",
            **step_rows({"kind": "user", "mode": "any"}),
        },
    )
    assert response.status_code == 200
    [step_form] = response.context["steps"].forms
    assert step_form.errors["user"] == ["Choose the approving user."]
    assert not ApprovalRule.objects.exists()


def test_the_conditions_follow_the_document_type(admin_user, signed_in):
    response = signed_in(admin_user).get(
        reverse("approvals:rule_create"),
        {"document_type": "finance.manualjournal"},
        headers={"HX-Request": "true", "HX-Target": "rule-conditions"},
    )
    assert response.templates[0].name == "approvals/_rule_conditions.html"
    fields = {field.name for field in response.context["form"].conditions()}
    assert fields == {"min_amount", "partners"}


def test_rules_are_for_those_who_may_change_them(approver, signed_in, one_step):
    client = signed_in(approver)
    assert client.get(reverse("approvals:rules")).status_code == 403
    assert client.get(reverse("approvals:rule_detail", args=[one_step.pk])).status_code == 403


def test_the_rule_list(admin_user, one_step, signed_in):
    page = signed_in(admin_user).get(reverse("approvals:rules"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Stock adjustment" in html and reverse("approvals:rule_detail", args=[one_step.pk]) in html


# --- The document pages --------------------------------------------------------------------------


def test_the_adjustment_page_shows_who_decided_and_who_holds_it_now(
    admin_user, books, approver, second, submit, signed_in
):
    make_rule(admin_user, books, steps=[{"kind": "user", "user": approver}, {"kind": "user", "user": second}])
    adjustment, request = submit()
    services.decide(request=request, actor=approver, verdict="approve", comment="counted twice")

    page = signed_in(admin_user).get(reverse("inventory:adjustment-detail", args=[adjustment.pk]))

    html = page.content.decode()
    assert f'data-request="{request.pk}"' in html
    assert "by Ada Li (approver)" in html and "counted twice" in html
    assert re.search(r'trail-holders">\s*second', html)
    assert re.search(r"for \d+\xa0minutes", html)  # how long the current holder has had it


def test_the_manual_journal_page_shows_its_approval_trail(admin_user, books, approver, signed_in):
    from apps.finance import services as finance
    from apps.finance.models import Account, ManualJournal

    services.save_rule(
        actor=admin_user,
        rule=ApprovalRule(company=books, document_type="finance.manualjournal", name="journals"),
        steps=[{"kind": "user", "user": approver}],
    )
    journal = finance.create_manual_journal(
        actor=admin_user,
        company=books,
        document_date=date.today(),
        description="bank transfer",
        lines=[
            {"account": Account.objects.get(company=books, code="1002"), "debit": Decimal("80.00")},
            {"account": Account.objects.get(company=books, code="1001"), "credit": Decimal("80.00")},
        ],
    )
    finance.post_manual_journal(actor=admin_user, journal=journal)
    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.PENDING_APPROVAL
    request = ApprovalRequest.objects.get(object_id=journal.pk, document_type="finance.manualjournal")

    html = signed_in(admin_user).get(reverse("finance:manual-journal-detail", args=[journal.pk])).content.decode()

    assert f'data-request="{request.pk}"' in html
    assert re.search(r'trail-holders">\s*Ada Li|trail-holders">\s*approver', html)
    services.decide(request=request, actor=approver, verdict="approve")
    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.POSTED


# --- Mail ----------------------------------------------------------------------------------------


def test_the_approver_is_mailed_a_link_that_opens_the_request_once(
    one_step, approver, submit, client, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    # The mail task runs here rather than on a worker (the broker may be a real one in this run).
    monkeypatch.setattr(services, "_enqueue_mail", lambda task, *arguments: task(*arguments))
    approver.email = "ada@example.com"
    approver.save()
    with django_capture_on_commit_callbacks(execute=True):
        _adjustment, request = submit()

    (mail,) = mailoutbox
    assert mail.to == ["ada@example.com"] and request.document_number in mail.subject
    link = re.search(r"https?://\S+(/approvals/link/\S+/)", mail.body).group(1)
    client.force_login(approver)
    opened = client.get(link)
    assert opened.status_code == 302 and opened.url == reverse("approvals:request_detail", args=[request.pk])
    assert client.get(link).status_code == 410
