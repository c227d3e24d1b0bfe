from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from knox.models import AuthToken

from . import outbox, webhooks
from .models import IdempotencyRecord


@shared_task(bind=True, acks_late=True, max_retries=None)
def dispatch_event(self, event_id: int) -> bool:
    result = outbox.dispatch(event_id, batch=outbox.drain_batch_size())
    if result.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=result.retry_in)
    return result.handled


@shared_task(acks_late=True)
def sweep_outbox() -> int:
    return outbox.sweep()


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> None:
    retry_in = webhooks.deliver(delivery_id)
    if retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=retry_in)


@shared_task(acks_late=True)
def sweep_webhooks() -> int:
    due = webhooks.due_deliveries()
    for delivery_id in due:
        webhooks.enqueue_delivery(delivery_id)
    return len(due)


@shared_task
def purge_idempotency_records(max_age_hours: int = 48) -> int:
    cutoff = timezone.now() - timedelta(hours=max_age_hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task
def purge_expired_tokens() -> int:
    """Delete expired API tokens: requests refuse them without sweeping the user's others (apps.core.rest)."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted
