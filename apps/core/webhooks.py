"""Webhooks: a subscriber of the outbox, so an integrator sees exactly the events finance posts.

The subscriber only records which subscriptions are owed an event (inside the dispatch
transaction); the HTTP calls happen afterwards in their own tasks, signed with HMAC-SHA256 over
the body, retried with backoff and logged attempt by attempt.
"""

import fnmatch
import functools
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from .outbox import subscribe

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-ERP-Signature"


def new_secret() -> str:
    return secrets.token_hex(32)


def save_subscription(*, actor, subscription: WebhookSubscription, reason: str = "") -> WebhookSubscription:
    if not subscription.secret:
        subscription.secret = new_secret()
    if not subscription.created_by_id:
        subscription.created_by = actor
    subscription.full_clean()
    subscription._history_user = actor
    subscription._change_reason = reason or (_("Edited") if subscription.pk else _("Created"))
    subscription.save()
    return subscription


def rotate_secret(*, actor, subscription: WebhookSubscription) -> WebhookSubscription:
    subscription.secret = new_secret()
    return save_subscription(actor=actor, subscription=subscription, reason=_("Secret rotated"))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_body(event: OutboxEvent) -> bytes:
    document = {
        "id": event.pk,
        "kind": event.kind,
        "company": event.company_id,
        "source": {"type": f"{event.source_type.app_label}.{event.source_type.model}", "id": event.source_id},
        "payload": event.payload,
        "created_at": event.created_at,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode()


def record_all_deliveries(events: list[OutboxEvent]) -> None:
    """`record_deliveries` for a batch of events, with one read of their companies' subscriptions."""
    active: dict[int, list[WebhookSubscription]] = {}
    for subscription in WebhookSubscription.objects.filter(
        company_id__in={event.company_id for event in events}, active=True
    ):
        active.setdefault(subscription.company_id, []).append(subscription)
    deliveries = [
        WebhookDelivery(subscription=subscription, event=event)
        for event in events
        for subscription in active.get(event.company_id, [])
        if any(fnmatch.fnmatchcase(event.kind, pattern) for pattern in subscription.patterns)
    ]
    for delivery in WebhookDelivery.objects.bulk_create(deliveries):
        transaction.on_commit(functools.partial(enqueue_delivery, delivery.pk))


@subscribe("*", name="webhooks", batch=record_all_deliveries)
def record_deliveries(event: OutboxEvent) -> None:
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(company_id=event.company_id, active=True)
        if any(fnmatch.fnmatchcase(event.kind, pattern) for pattern in subscription.patterns)
    ]
    if not subscriptions:
        return
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=subscription, event=event) for subscription in subscriptions]
    )
    for delivery in deliveries:
        transaction.on_commit(functools.partial(enqueue_delivery, delivery.pk))


def enqueue_delivery(delivery_id: int, countdown: float | None = None) -> None:
    from .tasks import deliver_webhook

    try:
        deliver_webhook.apply_async(args=[delivery_id], countdown=countdown, retry=False)
    except Exception:  # broker down: the webhook sweep picks it up
        return


def deliver(delivery_id: int) -> float | None:
    """Try one delivery; returns the delay before the next try, or None when done."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription", "event__source_type")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        body = event_body(delivery.event)
        status_code, error, elapsed_ms = _post(delivery, body)
        WebhookAttempt.objects.create(delivery=delivery, status_code=status_code, response_ms=elapsed_ms, error=error)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_response_ms, delivery.last_error = status_code, elapsed_ms, error
        retry_in = None
        if status_code is not None and 200 <= status_code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                WebhookDelivery.Status.DELIVERED,
                timezone.now(),
                None,
            )
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        else:
            retry_in = float(min(2**delivery.attempts * 5, 3600))
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
        delivery.save()
    return retry_in


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str, int]:
    request = urllib.request.Request(  # noqa: S310 (the URL is an administrator's http(s) subscription)
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "erp-lite-webhooks/1",
            "X-ERP-Event": delivery.event.kind,
            "X-ERP-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: signature(delivery.subscription.secret, body),
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, "", int((time.monotonic() - started) * 1000)
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}", int((time.monotonic() - started) * 1000)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, str(exc)[:1000], int((time.monotonic() - started) * 1000)


def replay(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (a failed one, or a delivered one the integrator lost)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == WebhookDelivery.Status.PENDING:
            raise DomainError(
                _("This delivery is already waiting to be sent."), code="already_pending", status_code=409
            )
        delivery.status, delivery.next_attempt_at, delivery.attempts = WebhookDelivery.Status.PENDING, None, 0
        delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
        transaction.on_commit(functools.partial(enqueue_delivery, delivery.pk))
    return delivery


def due_deliveries(*, limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
        .exclude(next_attempt_at__gt=now)
        .filter(created_at__lte=now - timedelta(seconds=30))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
