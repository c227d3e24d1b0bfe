"""Saving a document line with validation and history."""

from typing import Any

from django.db import models

from apps.core.documents import stamp_history


def save_line(
    line: models.Model, values: dict[str, Any], fields: tuple[str, ...], *, actor, checked_by_caller: bool = False
) -> models.Model:
    """Set `fields` from `values`, validate and save with history.

    `checked_by_caller`: the service has already checked the line's records and its constraints
    (company, location, quantity...), so only the field values are validated here, with no queries.
    """
    for name in fields:
        if name in values:
            setattr(line, name, values[name])
    stamp_history(line, actor=actor)
    relations = [f.name for f in line._meta.fields if f.is_relation and (checked_by_caller or f.name not in fields)]
    line.full_clean(
        exclude=relations, validate_unique=not checked_by_caller, validate_constraints=not checked_by_caller
    )
    line.save()
    return line
