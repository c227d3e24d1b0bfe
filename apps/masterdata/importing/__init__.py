"""Import and export of items, partners, warehouses and locations as CSV or XLSX.

A file is checked whole against the rules the services apply, and only a file without a single
error is written: in one transaction, with bulk statements and their history rows. What the checks
need (existing codes, tax IDs, barcodes, units, ...) is loaded up front, so checking 10,000 rows
costs the queries of 10. An export has the import's columns, so it can be edited and imported back.
"""

from collections.abc import Iterator
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exports import FORMATS, csv_bytes, xlsx_bytes
from apps.core.models import SecurityEvent
from apps.core.security import record

from .. import selectors
from ..models import ImportBatch
from ..services import MasterDataError
from .files import COLUMNS, Column, ImportFileError, map_header, read_table, template_columns
from .kinds import IMPORTS
from .rows import ImportReport, Row, RowError

__all__ = [
    "ImportFileError",
    "ImportReport",
    "RowError",
    "commit_batch",
    "export_records",
    "import_records",
    "template_columns",
    "upload_batch",
]


def import_records(*, actor, company, kind: str, content: bytes, filename: str, commit: bool) -> ImportReport:
    """Check every row of a file; with `commit` and not a single error, write them all in one transaction."""
    if kind not in IMPORTS:
        raise ImportFileError(_("Unknown kind of import: %(kind)s.") % {"kind": kind}, code="unknown_kind")
    header, records = read_table(content, filename)
    columns = map_header(header, COLUMNS[kind])
    rows = [
        Row(number, {column.name: cells[index] if index < len(cells) else "" for index, column in columns.items()})
        for number, cells in records
    ]
    headers = {column.name: header[index] for index, column in columns.items()}
    importer = IMPORTS[kind](company=company, headers=headers, rows=rows)
    importer.check()
    if not commit or importer.errors:
        return importer.report(committed=False)
    reason = (_("Imported from %(file)s") % {"file": filename})[:100]
    try:
        with transaction.atomic():
            importer.write(actor=actor, reason=reason)
    except IntegrityError as exc:  # a concurrent writer took a code, barcode or tax ID meanwhile
        raise MasterDataError(
            _("Another change conflicts with this file; check it again: %(error)s") % {"error": exc},
            code="conflict",
            status_code=409,
        ) from exc
    return importer.report(committed=True)


def upload_batch(*, actor, company, kind: str, content: bytes, filename: str) -> tuple[ImportBatch, ImportReport]:
    """Check a file without writing any record, and keep it with its report for a later commit."""
    report = import_records(actor=actor, company=company, kind=kind, content=content, filename=filename, commit=False)
    batch = ImportBatch.objects.create(
        company=company,
        kind=kind,
        filename=filename[:255],
        content=content,
        status=ImportBatch.Status.REJECTED if report.errors else ImportBatch.Status.PREVIEWED,
        summary=asdict(report),
        uploaded_by=actor,
    )
    return batch, report


def commit_batch(*, actor, batch: ImportBatch) -> ImportReport:
    """Check the stored file again (records may have changed since the preview) and write it all or nothing."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportBatch.Status.COMMITTED:
            raise MasterDataError(
                _("This file was already imported."), code="import_already_committed", status_code=409
            )
        report = import_records(
            actor=actor,
            company=locked.company,
            kind=locked.kind,
            content=bytes(locked.content),
            filename=locked.filename,
            commit=True,
        )
        locked.summary = asdict(report)
        locked.status = ImportBatch.Status.REJECTED if report.errors else ImportBatch.Status.COMMITTED
        locked.committed_at = None if report.errors else timezone.now()
        locked.save(update_fields=["summary", "status", "committed_at"])
    batch.summary, batch.status, batch.committed_at = locked.summary, locked.status, locked.committed_at
    if report.errors:
        raise MasterDataError(
            _("The file has errors; nothing was imported."), code="import_has_errors", details=locked.summary
        )
    return report


EXPORTS = {
    ImportBatch.Kind.ITEM: ("items", selectors.items_visible_to),
    ImportBatch.Kind.PARTNER: ("partners", selectors.partners_visible_to),
    ImportBatch.Kind.WAREHOUSE: ("warehouses", selectors.warehouses_visible_to),
    ImportBatch.Kind.LOCATION: ("locations", selectors.locations_visible_to),
}


def _export_value(instance: models.Model, column: Column) -> Any:
    if column.kind == "factor":  # the item's own conversion from that unit to its base unit
        unit_id = getattr(instance, column.name.replace("_factor", "_unit_id"))
        factors = {(c.from_unit_id, c.to_unit_id): c.factor for c in instance.unit_conversions.all()}
        value = factors.get((unit_id, instance.base_unit_id))
    else:
        value = getattr(instance, column.name)
    if isinstance(value, Decimal):  # 1.500000 -> 1.5, 100.000000 -> 100
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    if isinstance(value, models.Model):
        return value.get_username() if column.lookup == "users" else value.code
    return value


def export_records(*, actor, kind: str, queryset, file_format: str, request=None) -> tuple[bytes, str, str]:
    """The rows of `queryset` the actor may see, in the import's columns; logged as a security event."""
    name, visible = EXPORTS[kind]
    columns = COLUMNS[kind]
    queryset = queryset.filter(pk__in=visible(actor).values("pk"))
    if kind == ImportBatch.Kind.ITEM:
        queryset = queryset.prefetch_related("unit_conversions")
    elif kind == ImportBatch.Kind.LOCATION:
        queryset = queryset.select_related("warehouse", "parent")
    exported = 0

    def rows() -> Iterator[list]:
        nonlocal exported
        for instance in queryset.iterator(chunk_size=2000):
            exported += 1
            yield [_export_value(instance, column) for column in columns]

    headers = [column.name for column in columns]
    content = xlsx_bytes(name, headers, rows()) if file_format == "xlsx" else csv_bytes(headers, rows())
    filters = ""
    if request is not None:
        query = request.GET.copy()
        for option in ("export", "format"):
            query.pop(option, None)
        filters = query.urlencode()
    record(
        SecurityEvent.Kind.EXPORT,
        user=actor,
        request=request,
        list=name,
        format=file_format,
        rows=exported,
        filters=filters,
    )
    return content, FORMATS[file_format], f"{name}-{timezone.localdate():%Y%m%d}.{file_format}"
