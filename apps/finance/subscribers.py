"""Finance listens to the outbox: every money event of the operational modules becomes one entry."""

from apps.core.outbox import subscribe
from apps.core.posting import register_posting_date_guard

from .services import ensure_posting_date, post_event, post_events

for pattern in ("inventory.*", "purchasing.*", "sales.*", "production.*"):
    subscribe(pattern, name=f"finance.journal.{pattern}", batch=post_events)(post_event)

register_posting_date_guard(ensure_posting_date)
