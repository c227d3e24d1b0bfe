"""Operator pages: posting errors with their retry, webhook subscriptions with the secret shown once,
deliveries with their attempt log and replay; permissions, scoping and query budgets."""

import csv
import hashlib
import hmac
import io
import threading
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from apps.core import outbox, webhooks
from apps.core.models import OutboxEvent, SecurityEvent, WebhookDelivery, WebhookSubscription
from apps.finance.models import JournalEntry
from apps.finance.services import load_chart, open_fiscal_year
from apps.inventory import services as stock
from tests.factories import CompanyFactory, ItemFactory, LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


class Endpoint:
    """An integrator's URL on 127.0.0.1 that answers 200 and keeps what it received."""

    def __init__(self) -> None:
        self.received: list[tuple] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.headers, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/erp-hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    receiver = Endpoint()
    yield receiver
    receiver.close()


@pytest.fixture
def accountant(make_user, company):
    return make_user(username="accountant", roles=["accountant"], companies=[company])


@pytest.fixture
def unposted_event(company, admin_user):
    """A stock adjustment's event that failed for good: the company has periods but no chart (no posting rule)."""
    open_fiscal_year(actor=admin_user, company=company, year=date.today().year)
    warehouse = WarehouseFactory(company=company, code="MAIN")
    location = LocationFactory(warehouse=warehouse, code="A-01")
    item = ItemFactory(company=company, code="BOLT")
    draft = stock.create_adjustment(
        actor=admin_user,
        company=company,
        warehouse=warehouse,
        reason="found",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal("4"), "unit_cost": Decimal("2.50")}],
    )
    stock.post_adjustment(actor=admin_user, adjustment=draft)
    event = OutboxEvent.objects.get(company=company)
    for _attempt in range(8):
        outbox.dispatch(event.pk)
        OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=None)
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.FAILED
    return event


# --- Posting errors ------------------------------------------------------------------------------


def test_failed_event_is_listed_and_retry_posts_it_once_its_cause_is_fixed(
    client, accountant, admin_user, company, unposted_event, django_capture_on_commit_callbacks
):
    client.force_login(accountant)

    page = client.get(reverse("posting-errors"))

    assert list(page.context["object_list"]) == [unposted_event]
    content = page.content.decode()
    assert "No posting rule gives an account for inventory" in content
    assert unposted_event.kind in content and unposted_event.payload["source_number"] in content
    assert f'hx-post="{reverse("posting-error-retry", args=[unposted_event.pk])}"' in content

    load_chart(actor=admin_user, company=company, template="cas")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("posting-error-retry", args=[unposted_event.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "Queued again" in response.content.decode()
    unposted_event.refresh_from_db()
    assert unposted_event.status == OutboxEvent.Status.DONE
    entry = JournalEntry.objects.get(event=unposted_event)
    assert entry.total == Decimal("10.00")
    assert list(client.get(reverse("posting-errors")).context["object_list"]) == []


def test_retry_without_the_permission_is_refused(client, make_user, company, unposted_event):
    watcher = make_user(username="watcher", companies=[company])
    watcher.user_permissions.add(Permission.objects.get(codename="view_outboxevent"))
    client.force_login(watcher)

    assert client.get(reverse("posting-errors")).status_code == 200
    assert client.post(reverse("posting-error-retry", args=[unposted_event.pk])).status_code == 403
    unposted_event.refresh_from_db()
    assert unposted_event.status == OutboxEvent.Status.FAILED


def test_another_companys_events_are_not_listed_nor_retried(client, make_user, unposted_event):
    outsider = make_user(username="outsider", roles=["accountant"], companies=[CompanyFactory(code="ELSE")])
    client.force_login(outsider)

    assert list(client.get(reverse("posting-errors")).context["object_list"]) == []
    assert client.post(reverse("posting-error-retry", args=[unposted_event.pk])).status_code == 404
    unposted_event.refresh_from_db()
    assert unposted_event.status == OutboxEvent.Status.FAILED


def test_long_pending_events_are_listed_and_recent_ones_are_not(client, accountant, emit_event):
    stuck, fresh = emit_event(), emit_event()
    OutboxEvent.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    client.force_login(accountant)

    response = client.get(reverse("posting-errors"))

    assert list(response.context["object_list"]) == [stuck]
    assert fresh.pk not in [event.pk for event in response.context["object_list"]]
    assert 'data-status="pending"' in response.content.decode()
    assert "Retry</button>" not in response.content.decode()  # only failed events are retried


def test_posting_errors_export_is_a_security_event(client, accountant, unposted_event):
    client.force_login(accountant)

    response = client.get(reverse("posting-errors"), {"export": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Event", "Kind", "Company"]
    assert rows[1][0] == str(unposted_event.pk) and rows[1][3] == unposted_event.payload["source_number"]
    assert SecurityEvent.objects.filter(kind="export", user=accountant, detail__list="posting-errors").exists()


def test_posting_errors_page_keeps_its_query_budget(
    client, accountant, company, emit_event, django_assert_max_num_queries
):
    events = [emit_event() for _index in range(15)]
    OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(
        status=OutboxEvent.Status.FAILED, attempts=8, last_error="ValueError: boom"
    )
    client.force_login(accountant)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("posting-errors"))

    assert len(response.context["object_list"]) == 15


# --- Webhooks ------------------------------------------------------------------------------------


def test_subscription_created_shows_its_secret_once(client, admin_user, company):
    client.force_login(admin_user)

    response = client.post(
        reverse("webhook-create"),
        {
            "company": company.pk,
            "name": "Warehouse app",
            "url": "https://hooks.example.com/erp",
            "event_kinds": "*",
            "active": "on",
        },
    )

    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 200 and subscription.created_by == admin_user
    assert subscription.secret and subscription.secret in response.content.decode()
    detail = client.get(reverse("webhook-detail", args=[subscription.pk]))
    assert subscription.secret not in detail.content.decode()
    history = client.get(reverse("webhook-detail", args=[subscription.pk]), {"tab": "history"})
    assert [entry.reason for entry in history.context["history"]] == ["Created"]

    rotated = client.post(reverse("webhook-rotate-secret", args=[subscription.pk]))
    old_secret = subscription.secret
    subscription.refresh_from_db()
    assert subscription.secret != old_secret and subscription.secret in rotated.content.decode()
    assert old_secret not in rotated.content.decode()


def test_subscription_with_a_bad_url_is_refused(client, admin_user, company):
    client.force_login(admin_user)

    response = client.post(
        reverse("webhook-create"), {"company": company.pk, "name": "x", "url": "not a url", "event_kinds": "*"}
    )

    assert response.status_code == 200 and "url" in response.context["form"].errors
    assert not WebhookSubscription.objects.exists()


def test_delivery_shows_its_attempts_and_replay_sends_it_again(
    client, admin_user, company, endpoint, emit_event, django_capture_on_commit_callbacks
):
    subscription = webhooks.save_subscription(
        actor=admin_user,
        subscription=WebhookSubscription(company=company, name="app", url=endpoint.url, event_kinds="test.*"),
    )
    event = emit_event()
    outbox.dispatch(event.pk)
    delivery = WebhookDelivery.objects.get(subscription=subscription, event=event)
    webhooks.deliver(delivery.pk)
    client.force_login(admin_user)

    detail = client.get(reverse("webhook-detail", args=[subscription.pk]))
    assert list(detail.context["deliveries"]) == [delivery]
    assert 'data-status="delivered"' in detail.content.decode()
    page = client.get(reverse("webhook-delivery-detail", args=[delivery.pk]))
    assert [attempt.status_code for attempt in page.context["attempts"]] == [200]
    assert page.context["may_replay"]

    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(reverse("webhook-delivery-replay", args=[delivery.pk]))

    assert replayed.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.attempt_log.count() == 2
    assert len(endpoint.received) == 2
    headers, body = endpoint.received[-1]
    expected = "sha256=" + hmac.new(subscription.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-ERP-Signature"] == expected


def test_webhook_pages_follow_permissions_and_scope(client, make_user, accountant, admin_user, company, emit_event):
    subscription = webhooks.save_subscription(
        actor=admin_user,
        subscription=WebhookSubscription(
            company=company, name="app", url="https://hooks.example.com/", event_kinds="*"
        ),
    )
    outbox.dispatch(emit_event().pk)
    delivery = WebhookDelivery.objects.get()
    delivery_status = delivery.status
    client.force_login(accountant)

    assert client.get(reverse("webhook-list")).status_code == 200
    assert client.get(reverse("webhook-delivery-detail", args=[delivery.pk])).status_code == 200
    assert client.get(reverse("webhook-create")).status_code == 403
    assert client.post(reverse("webhook-rotate-secret", args=[subscription.pk])).status_code == 403
    assert client.post(reverse("webhook-delivery-replay", args=[delivery.pk])).status_code == 403

    client.force_login(make_user(username="outsider", roles=["accountant"], companies=[CompanyFactory(code="ELSE")]))
    assert client.get(reverse("webhook-detail", args=[subscription.pk])).status_code == 404
    assert client.get(reverse("webhook-delivery-detail", args=[delivery.pk])).status_code == 404
    assert list(client.get(reverse("webhook-list")).context["object_list"]) == []
    delivery.refresh_from_db()
    assert delivery.status == delivery_status


def test_webhook_list_and_detail_keep_their_query_budget(
    client, admin_user, company, emit_event, django_assert_max_num_queries
):
    subscriptions = [
        webhooks.save_subscription(
            actor=admin_user,
            subscription=WebhookSubscription(
                company=company, name=f"app {index}", url="https://hooks.example.com/", event_kinds="*"
            ),
        )
        for index in range(8)
    ]
    for _index in range(10):
        outbox.dispatch(emit_event().pk)
    client.force_login(admin_user)

    with django_assert_max_num_queries(10):
        client.get(reverse("webhook-list"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("webhook-detail", args=[subscriptions[0].pk]))

    assert len(response.context["deliveries"]) == 10


@pytest.mark.parametrize(
    ("model_label", "url_name"),
    [
        ("purchasing.goodsreceipt", "purchasing:receipt-detail"),
        ("sales.delivery", "sales:delivery-detail"),
        ("sales.customerinvoice", "sales:invoice-detail"),
        ("production.materialissue", "production:issue-detail"),
        ("production.productionoutput", "production:output-detail"),
        ("inventory.stockadjustment", "inventory:adjustment-detail"),
        ("finance.manualjournal", "finance:manual-journal-detail"),
    ],
)
def test_a_posting_or_stock_move_links_to_the_page_of_the_document_that_caused_it(model_label, url_name):
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from apps.core.views_operations import source_url
    from apps.inventory.views.documents import source_url as move_source_url

    source_type = ContentType.objects.get_for_model(apps.get_model(model_label))

    assert source_url(source_type, 42) == reverse(url_name, args=[42])
    assert move_source_url(source_type.pk, 42) == reverse(url_name, args=[42])
