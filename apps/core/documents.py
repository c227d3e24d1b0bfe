"""The one place where a document's status changes: along its table of allowed transitions."""

from django.db import models
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
