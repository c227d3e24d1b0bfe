"""Webhooks against a real HTTP endpoint: one signed delivery per matching event, every attempt
logged, retries with backoff, the failed queue, replay, and an unreachable endpoint."""

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.core import webhooks
from apps.core.errors import DomainError
from apps.core.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from apps.inventory import services as stock
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

SLOW_ANSWER_SECONDS = 0.05


class Endpoint:
    """An integrator's endpoint on 127.0.0.1: records what it receives, answers `status`."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.pause = 0.0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.received.append({"path": self.path, "headers": self.headers, "body": body})
                time.sleep(endpoint.pause)
                self.send_response(endpoint.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/erp"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "Endpoint":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    with Endpoint() as running:
        yield running


@pytest.fixture
def subscribe(books, admin_user):
    """subscribe(url, kinds="inventory.*") -> an active subscription of the books' company."""

    def make(url: str, kinds: str = "inventory.*", company=None) -> WebhookSubscription:
        subscription = WebhookSubscription(company=company or books, name="Integrator", url=url, event_kinds=kinds)
        return webhooks.save_subscription(actor=admin_user, subscription=subscription)

    return make


@pytest.fixture
def adjust(books, admin_user, warehouse, location, item):
    """adjust(quantity) -> a posted stock adjustment; its inventory event is left pending."""

    def post(quantity: str = "4") -> OutboxEvent:
        draft = stock.create_adjustment(
            actor=admin_user,
            company=books,
            warehouse=warehouse,
            reason="found",
            document_date=date.today(),
            lines=[{"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal("2")}],
        )
        stock.post_adjustment(actor=admin_user, adjustment=draft)
        return OutboxEvent.objects.filter(kind="inventory.adjustment.posted").latest("id")

    return post


@pytest.fixture
def dispatch(drain_outbox, django_capture_on_commit_callbacks):
    """Dispatch every pending event and run what its commit starts (the deliveries' tasks)."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return drain_outbox()

    return run


def expected_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/erp"


def test_one_signed_delivery_per_matching_event_and_none_for_other_kinds(
    endpoint, subscribe, adjust, emit_event, dispatch
):
    subscription = subscribe(endpoint.url, kinds="inventory.*")
    events = [adjust("4"), adjust("1")]
    other_kind = emit_event(kind="test.posted")

    assert dispatch() == 3

    assert len(endpoint.received) == 2
    for event, request in zip(events, endpoint.received, strict=True):
        body = json.loads(request["body"])
        assert (body["id"], body["kind"], body["company"]) == (event.pk, event.kind, event.company_id)
        assert body["source"] == {"type": "inventory.stockadjustment", "id": event.source_id}
        assert body["payload"] == event.payload
        assert request["path"] == "/hooks/erp"
        assert request["headers"]["Content-Type"] == "application/json"
        assert request["headers"]["X-ERP-Event"] == "inventory.adjustment.posted"
        signature = request["headers"]["X-ERP-Signature"]
        assert signature == expected_signature(subscription.secret, request["body"])
        assert hmac.compare_digest(signature, expected_signature(subscription.secret, request["body"]))
        assert not hmac.compare_digest(signature, expected_signature("another secret", request["body"]))
    deliveries = WebhookDelivery.objects.filter(subscription=subscription)
    assert sorted(deliveries.values_list("event_id", flat=True)) == sorted(event.pk for event in events)
    assert set(deliveries.values_list("status", "attempts", "last_status_code")) == {
        (WebhookDelivery.Status.DELIVERED, 1, 200)
    }
    assert not WebhookDelivery.objects.filter(event=other_kind).exists()


def test_inactive_subscriptions_and_other_companies_get_nothing(endpoint, subscribe, adjust, dispatch, admin_user):
    paused = subscribe(endpoint.url)
    paused.active = False
    webhooks.save_subscription(actor=admin_user, subscription=paused)
    subscribe(endpoint.url, company=CompanyFactory(code="OTHER"))
    adjust("4")

    dispatch()

    assert endpoint.received == []
    assert not WebhookDelivery.objects.exists()


def test_an_error_answer_is_logged_and_the_delivery_waits_with_backoff(endpoint, subscribe, adjust, dispatch):
    endpoint.status, endpoint.pause = 500, SLOW_ANSWER_SECONDS
    subscribe(endpoint.url)
    adjust("4")
    before = timezone.now()

    dispatch()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (WebhookDelivery.Status.PENDING, 1, 500)
    assert delivery.next_attempt_at > before + timedelta(seconds=5)
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.error) == (500, "HTTP 500")
    assert attempt.response_ms >= SLOW_ANSWER_SECONDS * 1000
    assert delivery.last_response_ms == attempt.response_ms


def test_a_delivery_fails_after_the_last_attempt_and_replay_delivers_it(
    endpoint, subscribe, adjust, dispatch, admin_user, django_capture_on_commit_callbacks
):
    endpoint.status = 503
    subscribe(endpoint.url)
    adjust("4")
    dispatch()
    delivery = WebhookDelivery.objects.get()
    delays = []
    while delivery.status == WebhookDelivery.Status.PENDING:
        delays.append(delivery.next_attempt_at - timezone.now())
        webhooks.deliver(delivery.pk)
        delivery.refresh_from_db()

    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        WebhookDelivery.Status.FAILED,
        webhooks.MAX_ATTEMPTS,
        None,
    )
    assert delays == sorted(delays)  # each retry waits longer than the one before
    assert WebhookAttempt.objects.filter(delivery=delivery, status_code=503).count() == webhooks.MAX_ATTEMPTS
    assert len(endpoint.received) == webhooks.MAX_ATTEMPTS

    endpoint.status = 204
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.replay(actor=admin_user, delivery=delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (WebhookDelivery.Status.DELIVERED, 204)
    assert delivery.delivered_at is not None
    assert delivery.attempt_log.count() == webhooks.MAX_ATTEMPTS + 1
    assert endpoint.received[-1]["body"] == endpoint.received[0]["body"]


def test_a_refused_connection_is_logged_as_an_error_attempt(subscribe, adjust, dispatch, admin_user):
    subscribe(closed_port_url())
    adjust("4")

    dispatch()

    delivery = WebhookDelivery.objects.get()
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert "refused" in attempt.error.lower()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (WebhookDelivery.Status.PENDING, 1, None)
    assert delivery.next_attempt_at > timezone.now()
    with pytest.raises(DomainError) as refused:
        webhooks.replay(actor=admin_user, delivery=delivery)
    assert refused.value.code == "already_pending"


def test_an_integrator_replays_a_lost_delivery_through_the_api(
    endpoint, subscribe, adjust, dispatch, api_client, admin_user, make_user, django_capture_on_commit_callbacks
):
    subscribe(endpoint.url)
    adjust("4")
    dispatch()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    replay_url = f"/api/v1/core/webhook-deliveries/{delivery.pk}/replay/"

    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client(admin_user).post(replay_url)

    assert answer.status_code == 200 and answer.json()["id"] == delivery.pk
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 1)
    assert delivery.attempt_log.count() == 2
    assert [received["body"] for received in endpoint.received] == [endpoint.received[0]["body"]] * 2

    outsider = make_user(username="outsider", roles=["accountant"], companies=[CompanyFactory(code="ELSE")])
    outsider.user_permissions.add(Permission.objects.get(codename="change_webhookdelivery"))
    assert api_client(outsider).post(replay_url).status_code == 404
    assert len(endpoint.received) == 2
