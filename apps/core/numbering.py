"""Gapless document numbers: per company, document type and year, taken inside the caller's transaction.

The sequence row is incremented with one UPDATE ... RETURNING in the same transaction that creates
the document: the update locks the row until that transaction ends, so a rolled-back transaction
gives its number back and two transactions can never take the same one.
"""

from datetime import date

from django.db import IntegrityError, transaction

from .models import DocumentSequence

# Prefix and padding for a document type when its company has not configured its own.
DEFAULT_FORMATS: dict[str, tuple[str, int]] = {}


def register_document_type(document_type: str, *, prefix: str, padding: int = 5) -> None:
    DEFAULT_FORMATS[document_type] = (prefix, padding)


def _take(*, company_id: int, document_type: str, year: int, count: int) -> DocumentSequence | None:
    """Advance the sequence by `count` (locking its row until commit); None when it does not exist yet."""
    table = DocumentSequence._meta.db_table
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + %s "  # noqa: S608
            "WHERE company_id = %s AND document_type = %s AND year = %s RETURNING prefix, padding, last_value",
            [count, company_id, document_type, year],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    prefix, padding, last_value = row
    return DocumentSequence(
        company_id=company_id,
        document_type=document_type,
        year=year,
        prefix=prefix,
        padding=padding,
        last_value=last_value,
    )


def _create_sequence(*, company_id: int, document_type: str, year: int) -> None:
    prefix, padding = _format_for(company_id=company_id, document_type=document_type)
    try:
        with transaction.atomic():
            DocumentSequence.objects.create(
                company_id=company_id, document_type=document_type, year=year, prefix=prefix, padding=padding
            )
    except IntegrityError:
        pass  # another transaction created it first; take from theirs


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
    sequence = _take(company_id=company_id, document_type=document_type, year=year, count=count)
    if sequence is None:
        _create_sequence(company_id=company_id, document_type=document_type, year=year)
        sequence = _take(company_id=company_id, document_type=document_type, year=year, count=count)
    first = sequence.last_value - count + 1
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
