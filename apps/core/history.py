"""Field-level change history for any model tracked by django-simple-history."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

CHANGE_KINDS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    id: int
    at: datetime
    user: str
    kind: str
    kind_label: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _display(model_field: models.Field, value, related: dict) -> str:
    if value is None or value == "":
        return ""
    if model_field.is_relation:
        obj = related.get((model_field.related_model, value))
        return str(obj) if obj is not None else f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


def history_entries(instance: models.Model, *, limit: int = 100) -> list[HistoryEntry]:
    """Newest first: who changed what, when and why; each change with its old and new value."""
    records = list(instance.history.select_related("history_user").order_by("-history_id")[: limit + 1])
    pairs = [
        (record, records[index + 1] if index + 1 < len(records) else None)
        for index, record in enumerate(records[:limit])
    ]
    tracked = {
        f.attname: f
        for f in instance.history.model.instance_type._meta.concrete_fields
        if f.attname in {hf.attname for hf in instance.history.model._meta.concrete_fields}
    }
    diffs = []
    wanted_related: dict[type, set] = {}
    for record, previous in pairs:
        if previous is None:
            changed = [
                (name, None, getattr(record, name))
                for name in tracked
                if getattr(record, name) not in (None, "") and name != "id"
            ]
        else:
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            changed = [(tracked_field(tracked, c.field), c.old, c.new) for c in delta.changes]
            changed = [(name, old, new) for name, old, new in changed if name in tracked]
        for name, old, new in changed:
            if tracked[name].is_relation:
                wanted_related.setdefault(tracked[name].related_model, set()).update(v for v in (old, new) if v)
        diffs.append((record, changed))
    related = {
        (model, pk): obj
        for model, pks in wanted_related.items()
        for pk, obj in model._default_manager.in_bulk(list(pks)).items()
    }
    return [
        HistoryEntry(
            id=record.history_id,
            at=record.history_date,
            user=str(record.history_user) if record.history_user else "",
            kind=record.history_type,
            kind_label=str(CHANGE_KINDS.get(record.history_type, record.history_type)),
            reason=record.history_change_reason or "",
            changes=[
                FieldChange(
                    field=name,
                    label=str(tracked[name].verbose_name),
                    old=_display(tracked[name], old, related),
                    new=_display(tracked[name], new, related),
                )
                for name, old, new in changed
            ],
        )
        for record, changed in diffs
    ]


def tracked_field(tracked: dict, name: str) -> str:
    """diff_against names a foreign key by its field name; history rows store its attname."""
    if name in tracked:
        return name
    return f"{name}_id" if f"{name}_id" in tracked else name
