"""The transactional outbox: events written with the document, handled exactly once after commit.

`emit()` runs inside the caller's transaction and schedules the dispatch task on commit. The task
locks the event row, runs every subscriber of its kind inside one transaction and marks the event
done in that same transaction, so a retried, duplicated or concurrent task cannot handle it twice.
A worker killed mid-task rolls its transaction back; the periodic sweep re-enqueues what is left.

The task drains a batch: with its own event it locks (SKIP LOCKED) up to OUTBOX_DRAIN_BATCH - 1
more pending events of the same company (emitted within the sweep interval and never tried: older
ones and retries are the sweep's and the retries') and handles them in the same transaction, through each
subscriber's batch handler where it has one (finance numbers and inserts the batch's entries
together). If the batch fails, its events are handled one by one, each in its own savepoint; an
extra event that fails is left pending, untouched, for its own task to retry and record.
"""

import fnmatch
import functools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import scoped
from .errors import DomainError
from .models import OutboxEvent
from .posting import check_posting_date

logger = logging.getLogger(__name__)

Subscriber = Callable[[OutboxEvent], None]
BatchSubscriber = Callable[[list[OutboxEvent]], None]


@dataclass(frozen=True)
class Subscription:
    name: str
    pattern: str
    handler: Subscriber
    batch_handler: BatchSubscriber | None = None

    def handle_all(self, events: list[OutboxEvent]) -> None:
        matching = [event for event in events if fnmatch.fnmatchcase(event.kind, self.pattern)]
        if not matching:
            return
        if self.batch_handler is not None:
            self.batch_handler(matching)
            return
        for event in matching:
            self.handler(event)


_subscriptions: dict[str, Subscription] = {}


def subscribe(
    pattern: str, *, name: str | None = None, batch: BatchSubscriber | None = None
) -> Callable[[Subscriber], Subscriber]:
    """Register `handler` for event kinds matching `pattern` (shell-style: 'inventory.*').

    `batch`, when given, handles several matching events at once with the same outcome as `handler`
    called for each in turn (it must raise, leaving nothing behind, if any of them cannot be handled).
    """

    def register(handler: Subscriber) -> Subscriber:
        key = name or f"{handler.__module__}.{handler.__qualname__}"
        _subscriptions[key] = Subscription(name=key, pattern=pattern, handler=handler, batch_handler=batch)
        return handler

    return register


def subscribers_for(kind: str) -> list[Subscription]:
    return [sub for sub in _subscriptions.values() if fnmatch.fnmatchcase(kind, sub.pattern)]


def emit(*, kind: str, source: models.Model, company_id: int, payload: dict, key_suffix: str = "") -> OutboxEvent:
    """Write an event for `source` in the current transaction; it is dispatched once that commits.

    One event per source and kind (plus `key_suffix` where a source legitimately emits a kind twice):
    emitting it again raises IntegrityError rather than posting twice.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction that changes the source")
    if "date" in payload:
        check_posting_date(company_id=company_id, on_date=date.fromisoformat(payload["date"]))
    source_type = ContentType.objects.get_for_model(source)
    key = f"{source_type.app_label}.{source_type.model}:{source.pk}:{kind}"
    if key_suffix:
        key = f"{key}:{key_suffix}"
    event = OutboxEvent.objects.create(
        key=key, kind=kind, company_id=company_id, source_type=source_type, source_id=source.pk, payload=payload
    )
    transaction.on_commit(functools.partial(enqueue, event.pk))
    return event


def enqueue(event_id: int) -> None:
    """Hand the event to Celery. A broker that is down leaves the event pending for the sweep."""
    from .tasks import dispatch_event

    try:
        dispatch_event.apply_async(args=[event_id], retry=False)
    except Exception:  # broker unreachable: the document is committed, the sweep will catch up
        logger.warning("outbox event %s left pending: broker unavailable", event_id, exc_info=True)


@dataclass(frozen=True)
class DispatchResult:
    handled: bool
    failed: bool = False
    retry_in: float | None = None


def retry_delay(attempts: int) -> float:
    return float(min(2**attempts, 600))


def drain_batch_size() -> int:
    """How many events one dispatch task may handle together (settings.OUTBOX_DRAIN_BATCH, default 200)."""
    return getattr(settings, "OUTBOX_DRAIN_BATCH", 200)


def dispatch(event_id: int, *, batch: int = 1) -> DispatchResult:
    """Handle one event exactly once, with up to `batch` - 1 other pending events of its company.

    An event being retried, or re-enqueued by the sweep, is handled alone.
    Returns what happened to `event_id`, so the task can schedule a retry. When that event is
    already handled (or held by another worker) and `batch` > 1, the call drains the oldest due
    events instead, so a backlog is worked off by every task that reaches a worker.
    """
    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, status=OutboxEvent.Status.PENDING)
            .first()
        )
        if event is None:  # already handled, failed for good, or being handled by another worker
            if batch > 1:
                _drain(_due().first(), batch)
            return DispatchResult(handled=False)
        # An event being retried or swept (it has a next attempt time) is handled alone.
        alone = batch <= 1 or event.next_attempt_at is not None
        others = [] if alone else list(_due(event.company_id).exclude(pk=event.pk)[: batch - 1])
        if others and _handled_together([event, *others]):
            _mark_done([event, *others])
            return DispatchResult(handled=True)
        try:
            with transaction.atomic():
                for subscription in subscribers_for(event.kind):
                    subscription.handler(event)
        except Exception as exc:
            return _record_failure(event, exc)
        _mark_done([event, *(other for other in others if _handled_alone(other))])
        return DispatchResult(handled=True)


def _due(company_id: int | None = None) -> models.QuerySet[OutboxEvent]:
    """Pending events emitted within the sweep interval and never tried, oldest first, locked as read
    (those another worker holds are skipped). Older ones and retries are left to the sweep and retries."""
    recent = timezone.now() - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    events = OutboxEvent.objects.select_for_update(skip_locked=True).filter(
        status=OutboxEvent.Status.PENDING, next_attempt_at__isnull=True, created_at__gt=recent
    )
    if company_id is not None:
        events = events.filter(company_id=company_id)
    return events.order_by("id")


def _drain(first: OutboxEvent | None, batch: int) -> None:
    """Handle `first` and the next due events of its company; those that fail stay pending, untouched."""
    if first is None:
        return
    events = [first, *_due(first.company_id).exclude(pk=first.pk)[: batch - 1]]
    if _handled_together(events):
        _mark_done(events)
    else:
        _mark_done([event for event in events if _handled_alone(event)])


def _handled_together(events: list[OutboxEvent]) -> bool:
    """Every subscriber handles the batch at once, in one savepoint; False (nothing kept) if any fails."""
    try:
        with transaction.atomic():
            for subscription in _subscriptions.values():
                subscription.handle_all(events)
    except Exception:
        logger.info("outbox batch of %s events failed as a whole; handling them one by one", len(events))
        return False
    return True


def _handled_alone(event: OutboxEvent) -> bool:
    """An extra event of a batch, in its own savepoint; one that fails stays pending for its own task."""
    try:
        with transaction.atomic():
            for subscription in subscribers_for(event.kind):
                subscription.handler(event)
    except Exception:
        return False
    return True


def _mark_done(events: list[OutboxEvent]) -> None:
    now = timezone.now()
    OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(
        status=OutboxEvent.Status.DONE, processed_at=now, last_error=""
    )
    for event in events:
        event.status, event.processed_at, event.last_error = OutboxEvent.Status.DONE, now, ""


def _record_failure(event: OutboxEvent, exc: Exception) -> DispatchResult:
    event.attempts += 1
    event.last_error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
    gave_up = event.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    delay = retry_delay(event.attempts)
    if gave_up:
        event.status = OutboxEvent.Status.FAILED
        event.next_attempt_at = None
    else:
        event.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    event.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning("outbox event %s failed (attempt %s): %s", event.pk, event.attempts, event.last_error)
    return DispatchResult(handled=False, failed=True, retry_in=None if gave_up else delay)


def pending_to_sweep(*, limit: int = 1000) -> list[int]:
    """Pending events old enough that their on-commit dispatch must have been lost."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    return list(
        OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING, created_at__lte=cutoff)
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def sweep() -> int:
    """Re-enqueue pending events whose dispatch was lost.

    Each is then left alone for one sweep interval, so a backlog the workers are still draining is
    not queued again on every sweep, and a backlog larger than one sweep's batch is reached in turn.
    """
    event_ids = pending_to_sweep()
    not_before = timezone.now() + timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    OutboxEvent.objects.filter(pk__in=event_ids, status=OutboxEvent.Status.PENDING).update(next_attempt_at=not_before)
    for event_id in event_ids:
        enqueue(event_id)
    return len(event_ids)


def retry_failed(*, event: OutboxEvent, actor) -> OutboxEvent:
    """Put a failed event back in the queue (the 'posting errors' retry action)."""
    with transaction.atomic():
        locked = OutboxEvent.objects.select_for_update().get(pk=event.pk)
        if locked.status != OutboxEvent.Status.FAILED:
            raise DomainError(_("Only a failed event can be retried."), code="not_failed", status_code=409)
        locked.status = OutboxEvent.Status.PENDING
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        logger.info("outbox event %s put back in the queue by %s", locked.pk, actor)
        transaction.on_commit(functools.partial(enqueue, locked.pk))
    return locked


def pending_count(*, company_id: int | None = None) -> int:
    queryset = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING)
    if company_id is not None:
        queryset = queryset.filter(company_id=company_id)
    return queryset.count()


def outbox_events_visible_to(user) -> models.QuerySet[OutboxEvent]:
    """Events of the companies `user` may access."""
    company_model = apps.get_model("masterdata", "Company")
    return scoped(
        OutboxEvent.objects.select_related("source_type"),
        user=user,
        perm="masterdata.access_company",
        scope_model=company_model,
        through="company",
    )
