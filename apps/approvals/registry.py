"""How a document type takes part in approvals: the small protocol approvals knows documents by.

A module registers each approvable model once (in its AppConfig.ready) with the facts approvals
needs — amount in base currency, requester, company, a summary, the values its conditions test —
and what to do when the chain approves or rejects. Approvals imports no module's models.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models

CONDITIONS = (
    "amount",
    "discount",
    "price_floor",
    "partner",
    "item_category",
    "warehouse",
    "credit_limit",
    "match_exception",
)


@dataclass
class Facts:
    """What a rule's conditions are tested against, read from the document at submission."""

    amount: Decimal
    requester: models.Model
    company_id: int
    number: str
    summary: str
    discount_percent: Decimal | None = None
    partner_ids: set[int] = field(default_factory=set)
    item_category_ids: set[int] = field(default_factory=set)
    warehouse_ids: set[int] = field(default_factory=set)
    credit_limit_exceeded: bool = False
    match_exception: bool = False
    price_below_floor: bool = False


@dataclass(frozen=True)
class DocumentType:
    key: str
    label: str
    model: type[models.Model]
    conditions: tuple[str, ...]
    facts: Callable[[models.Model], Facts]
    on_approved: Callable[..., None]  # (document, *, actor)
    on_rejected: Callable[..., None]  # (document, *, actor, comment)
    on_withdrawn: Callable[..., None]  # (document, *, actor, reason)
    visible_to: Callable[..., models.QuerySet]  # (user) -> the documents the user may see
    detail_url: Callable[[models.Model], str]


_types: dict[str, DocumentType] = {}


def register(document_type: DocumentType) -> None:
    unknown = set(document_type.conditions) - set(CONDITIONS)
    if unknown:
        raise ValueError(f"unknown approval conditions {unknown}")
    _types[document_type.key] = document_type


def document_types() -> list[DocumentType]:
    return sorted(_types.values(), key=lambda t: t.key)


def by_key(key: str) -> DocumentType:
    return _types[key]


def for_model(model: type[models.Model]) -> DocumentType:
    for document_type in _types.values():
        if document_type.model is model:
            return document_type
    raise LookupError(f"{model.__name__} does not take part in approvals")


def key_for(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"
