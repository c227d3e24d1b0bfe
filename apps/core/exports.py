"""Export of a list page as CSV (UTF-8 with BOM, so Excel opens Chinese correctly) or XLSX.

Every export is a security event: who took which rows, in which format, with which filters.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .models import SecurityEvent
from .security import record

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell starting with one of these is a formula to a spreadsheet; exported text must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value):
    """A plain value a spreadsheet can hold: numbers stay numbers, everything else becomes text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal | int):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_bytes(headers: list[str], rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([cell_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    sheet.append(headers)
    for row in rows:
        sheet.append([cell_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_response(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


class _Counted:
    """Rows passed through while counting them, so an export never holds the whole list in memory."""

    def __init__(self, rows: Iterable[list]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def export_response(*, request, name: str, headers: list[str], rows: Iterable[list], file_format: str) -> HttpResponse:
    """The rows as a download named `name-<date>.<format>`, recorded in the security log."""
    headers = [str(header) for header in headers]
    counted = _Counted(rows)
    content = xlsx_bytes(name, headers, counted) if file_format == "xlsx" else csv_bytes(headers, counted)
    filters = request.GET.copy()
    filters.pop("export", None)
    record(
        SecurityEvent.Kind.EXPORT,
        user=request.user,
        request=request,
        list=name,
        format=file_format,
        rows=counted.count,
        filters=filters.urlencode(),
    )
    filename = f"{name}-{timezone.localdate():%Y%m%d}.{file_format}"
    return file_response(content, content_type=FORMATS[file_format], filename=filename)
