"""Saving a document line with validation and history."""

from typing import Any

from django.db import models

from apps.core.documents import stamp_history


def save_line(line: models.Model, values: dict[str, Any], fields: tuple[str, ...], *, actor) -> models.Model:
    for name in fields:
        if name in values:
            setattr(line, name, values[name])
    stamp_history(line, actor=actor)
    line.full_clean(exclude=[f.name for f in line._meta.fields if f.is_relation and f.name not in fields])
    line.save()
    return line
