"""The run's business side, through the project's own services on the chaos database: the demo
company, documents posted as users post them, events to drain, and what the books say afterwards."""

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

COMPANY = "DEMO"
TEMPLATE_ITEM = "FG-002"
ITEM = "CHAOS-1"
WAREHOUSE = "GZ01"
LOCATION = "A-01"

COPY_EVENTS = """
    INSERT INTO core_outboxevent (key, kind, source_id, payload, status, attempts, last_error, created_at, company_id,
        source_type_id)
    SELECT e.key || ':' || %(batch)s || '-' || n, e.kind, e.source_id, e.payload, 'pending', 0, '',
        now() - make_interval(secs => %(age)s), e.company_id, e.source_type_id
    FROM generate_series(0, %(count)s - 1) AS n
    JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS position, * FROM core_outboxevent WHERE id = ANY(%(seed)s)) e
      ON e.position = n %% 2
    ORDER BY n
    RETURNING id
"""


@dataclass
class Place:
    company: object
    actor: object
    item: object
    warehouse: object
    location: object


def place() -> Place:
    """The demo company's admin, main warehouse and location, and an item of the run's own, without
    stock at first and always moved at 1.00, so every adjustment of it has a value known in advance."""
    from django.contrib.auth import get_user_model

    from apps.masterdata import services as masterdata
    from apps.masterdata.models import Company, Item, Location

    company = Company.objects.get(code=COMPANY)
    actor = get_user_model().objects.get(username="admin")
    item = Item.objects.filter(company=company, code=ITEM).first()
    if item is None:
        template = Item.objects.get(company=company, code=TEMPLATE_ITEM)
        item = masterdata.create_item(
            actor=actor,
            company=company,
            code=ITEM,
            name="Chaos test part",
            item_type=Item.ItemType.STOCK,
            category=template.category,
            base_unit=template.base_unit,
            standard_price=Decimal("1.00"),
        )
    location = Location.objects.select_related("warehouse").get(
        warehouse__company=company, warehouse__code=WAREHOUSE, code=LOCATION
    )
    return Place(company=company, actor=actor, item=item, warehouse=location.warehouse, location=location)


def api_token(where: Place) -> str:
    from apps.core.services import create_api_token

    _token, secret = create_api_token(user=where.actor)
    return secret


def draft_adjustment(where: Place, quantity: Decimal, *, reason: str, unit_cost: Decimal | None = Decimal("1.00")):
    from apps.inventory import services as stock

    return stock.create_adjustment(
        actor=where.actor,
        company=where.company,
        warehouse=where.warehouse,
        reason=reason,
        document_date=date.today(),
        lines=[{"item": where.item, "location": where.location, "quantity": quantity, "unit_cost": unit_cost}],
    )


def post_adjustment(where: Place, quantity: Decimal, *, reason: str):
    """A stock adjustment confirmed as a user confirms it: moves, value and its money event in one transaction."""
    from apps.inventory import services as stock

    return stock.post_adjustment(actor=where.actor, adjustment=draft_adjustment(where, quantity, reason=reason))


def seed_pair(where: Place, reason: str) -> list[int]:
    """Two real adjustments, +10 and -10 at the same cost, their events posted here; their event ids.

    Copies of these two events alternate in a backlog, so once every copy is posted their effect on
    the inventory account is nil: a lost or doubled copy shows as a valuation difference.
    """
    from apps.core.models import OutboxEvent
    from apps.core.outbox import dispatch

    first = post_adjustment(where, Decimal("10"), reason=reason)
    second = post_adjustment(where, Decimal("-10"), reason=reason)
    ids = []
    for adjustment in (first, second):
        event = OutboxEvent.objects.get(source_id=adjustment.pk, kind="inventory.adjustment.posted")
        dispatch(event.pk)
        ids.append(event.pk)
    return ids


def backlog(seed: list[int], *, count: int, batch: str, age_seconds: int = 0) -> list[int]:
    """`count` pending events (an even number), copies of the seed pair with keys of their own."""
    count += count % 2
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(COPY_EVENTS, {"batch": batch, "count": count, "seed": seed, "age": age_seconds})
        return [row[0] for row in cursor.fetchall()]


def enqueue_all(event_ids: list[int]) -> float:
    """Hand every event to the broker as the on-commit hook does; seconds taken."""
    from apps.core.outbox import enqueue

    started = time.monotonic()
    for event_id in event_ids:
        enqueue(event_id)
    return time.monotonic() - started


def posted_count(event_ids: list[int]) -> int:
    from apps.finance.models import JournalEntry

    return JournalEntry.objects.filter(event_id__in=event_ids).count()


def posting_rate(event_ids: list[int]) -> float:
    """Events per second from the first journal entry of these events to the last (restart included)."""
    from django.db.models import Max, Min

    from apps.finance.models import JournalEntry

    span = JournalEntry.objects.filter(event_id__in=event_ids).aggregate(first=Min("posted_at"), last=Max("posted_at"))
    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else 0
    return round(len(event_ids) / seconds, 1) if seconds else 0.0


def status_counts(event_ids: list[int]) -> dict[str, int]:
    from django.db.models import Count

    from apps.core.models import OutboxEvent

    rows = OutboxEvent.objects.filter(pk__in=event_ids).values_list("status").annotate(n=Count("id")).order_by()
    return dict(rows)


def pending_events() -> int:
    from apps.core.models import OutboxEvent

    return OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).count()


def sweep() -> int:
    """What the beat task `outbox-sweep` runs: re-enqueue pending events whose dispatch was lost."""
    from apps.core.outbox import sweep as outbox_sweep

    return outbox_sweep()


def adjustments_by_reason(reason: str):
    from apps.inventory.models import StockAdjustment

    return StockAdjustment.objects.filter(reason=reason)


def half_written(reason: str) -> list[str]:
    """Documents of this run that are not whole: a posted one without its move or event, a draft
    without its line, or stock moved for a document that is not posted."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    from apps.core.models import OutboxEvent
    from apps.inventory.models import StockAdjustment, StockMove

    source_type = ContentType.objects.get_for_model(StockAdjustment)
    problems = []
    documents = adjustments_by_reason(reason).annotate(lines_count=Count("lines"))
    moves = dict(
        StockMove.objects.filter(source_type=source_type, source_id__in=documents.values("pk"))
        .values_list("source_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    events = dict(
        OutboxEvent.objects.filter(source_type=source_type, source_id__in=documents.values("pk"))
        .values_list("source_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for document in documents:
        expected = 1 if document.status == StockAdjustment.Status.POSTED else 0
        if document.lines_count != 1:
            problems.append(f"{document.number}: {document.lines_count} lines")
        if moves.get(document.pk, 0) != expected or events.get(document.pk, 0) != expected:
            problems.append(
                f"{document.number} ({document.status}): {moves.get(document.pk, 0)} moves, "
                f"{events.get(document.pk, 0)} events"
            )
    return problems
