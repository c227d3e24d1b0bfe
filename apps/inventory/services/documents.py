"""Small helpers every document service uses: lock the header, check its status, save a line."""

from typing import Any

from django.db import models

from apps.core.documents import TransitionError


def stamp_history(record: models.Model, *, actor, reason: str = "") -> None:
    record._history_user = actor
    if reason:
        record._change_reason = reason


def lock_document(document: models.Model) -> models.Model:
    """Re-read the document under a row lock: concurrent actions on it queue here."""
    return type(document).objects.select_for_update(of=("self",)).select_related("company").get(pk=document.pk)


def require_status(document: models.Model, status: str, message: str) -> None:
    if document.status != status:
        raise TransitionError(message, code="invalid_status", status_code=409)


def save_line(line: models.Model, values: dict[str, Any], fields: tuple[str, ...], *, actor) -> models.Model:
    for name in fields:
        if name in values:
            setattr(line, name, values[name])
    stamp_history(line, actor=actor)
    line.full_clean(exclude=[f.name for f in line._meta.fields if f.is_relation and f.name not in fields])
    line.save()
    return line
