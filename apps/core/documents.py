"""The one place where a document's status changes (along its table of allowed transitions), and the
lock, history and row-update helpers every document service uses."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Value, When
from django.utils.translation import gettext as _

from .errors import DomainError


class TransitionError(DomainError):
    pass


def can_transition(document: models.Model, to: str) -> bool:
    return to in document.ALLOWED_TRANSITIONS.get(document.status, set())


def transition(document: models.Model, *, to: str, actor, reason: str, extra_fields: tuple[str, ...] = ()):
    """Move `document` to status `to`, recorded in its history with `reason`.

    The caller holds the transaction (and the document's row lock where races matter).
    """
    if not can_transition(document, to):
        status_labels = dict(document.Status.choices)
        raise TransitionError(
            _("%(document)s cannot go from %(from)s to %(to)s.")
            % {
                "document": document,
                "from": status_labels.get(document.status, document.status),
                "to": status_labels.get(to, to),
            },
            code="invalid_transition",
            status_code=409,
        )
    document.status = to
    document.modified_by = actor
    document._change_reason = reason
    document._history_user = actor
    document.save(update_fields=["status", "modified_by", "modified_at", *extra_fields])
    return document


def stamp_history(record: models.Model, *, actor, reason: str = "") -> None:
    """Name who makes the next save (and why) in the record's history."""
    record._history_user = actor
    if reason:
        record._change_reason = reason


def lock_document(document: models.Model, *related: str) -> models.Model:
    """Re-read the document under its row lock, with its company and any `related` records:
    concurrent actions on it queue here."""
    return (
        type(document).objects.select_for_update(of=("self",)).select_related("company", *related).get(pk=document.pk)
    )


def require_status(document: models.Model, *statuses: str, message: str) -> None:
    if document.status not in statuses:
        raise TransitionError(message, code="invalid_status", status_code=409)


def require_reason(reason: str, message: str) -> str:
    """The reason, trimmed; an empty one is refused with `message`."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": [message]})
    return reason.strip()


def update_rows(rows: list[models.Model], fields: list[str]) -> None:
    """Write `fields` of `rows` (one model) in one UPDATE, like `bulk_update`, but with a CASE branch per
    distinct value instead of per row: building the expression is most of the cost of a few-row update."""
    if not rows:
        return
    model = type(rows[0])
    updates = {}
    for name in fields:
        field = model._meta.get_field(name)
        rows_by_value = defaultdict(list)
        for row in rows:
            rows_by_value[getattr(row, field.attname)].append(row.pk)
        branches = [When(pk__in=pks, then=Value(value, output_field=field)) for value, pks in rows_by_value.items()]
        updates[field.attname] = branches[0].result if len(branches) == 1 else Case(*branches, output_field=field)
    model._base_manager.filter(pk__in=[row.pk for row in rows]).update(**updates)
