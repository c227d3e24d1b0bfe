"""Gapless document numbers: per company, document type and year, taken inside the caller's transaction.

The sequence row is locked with SELECT ... FOR UPDATE and incremented in the same transaction that
creates the document, so a rolled-back transaction gives its number back and two transactions can
never take the same one.
"""

from datetime import date

from django.db import IntegrityError, transaction

from .models import DocumentSequence

# Prefix and padding for a document type when its company has not configured its own.
DEFAULT_FORMATS: dict[str, tuple[str, int]] = {}


def register_document_type(document_type: str, *, prefix: str, padding: int = 5) -> None:
    DEFAULT_FORMATS[document_type] = (prefix, padding)


def _locked_sequence(*, company_id: int, document_type: str, year: int) -> DocumentSequence:
    queryset = DocumentSequence.objects.select_for_update()
    sequence = queryset.filter(company_id=company_id, document_type=document_type, year=year).first()
    if sequence is not None:
        return sequence
    prefix, padding = _format_for(company_id=company_id, document_type=document_type)
    try:
        with transaction.atomic():
            DocumentSequence.objects.create(
                company_id=company_id, document_type=document_type, year=year, prefix=prefix, padding=padding
            )
    except IntegrityError:
        pass  # another transaction created it first; lock theirs
    return queryset.get(company_id=company_id, document_type=document_type, year=year)


def _format_for(*, company_id: int, document_type: str) -> tuple[str, int]:
    """The company's latest configured format for this type, else the registered default."""
    latest = (
        DocumentSequence.objects.filter(company_id=company_id, document_type=document_type)
        .order_by("-year")
        .values_list("prefix", "padding")
        .first()
    )
    if latest:
        return latest
    prefix, padding = DEFAULT_FORMATS.get(document_type, (document_type.upper()[:12], 5))
    return prefix, padding


def allocate_numbers(*, company_id: int, document_type: str, count: int, on_date: date | None) -> list[str]:
    """Take `count` consecutive numbers. `on_date=None` numbers without a year (master-data codes)."""
    if count <= 0:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers must be taken inside the transaction that uses them")
    year = on_date.year if on_date else 0
    sequence = _locked_sequence(company_id=company_id, document_type=document_type, year=year)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return [sequence.format(value) for value in range(first, first + count)]


def next_number(*, company_id: int, document_type: str, on_date: date | None) -> str:
    return allocate_numbers(company_id=company_id, document_type=document_type, count=1, on_date=on_date)[0]


def configure_sequence(
    *, company_id: int, document_type: str, year: int, prefix: str, padding: int
) -> DocumentSequence:
    """Set a sequence's prefix and padding, creating it if needed; its counter is never touched here."""
    with transaction.atomic():
        sequence, _created = DocumentSequence.objects.select_for_update().get_or_create(
            company_id=company_id,
            document_type=document_type,
            year=year,
            defaults={"prefix": prefix, "padding": padding},
        )
        sequence.prefix = prefix
        sequence.padding = padding
        sequence.save(update_fields=["prefix", "padding"])
    return sequence
