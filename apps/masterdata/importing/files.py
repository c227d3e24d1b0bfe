"""What an import file looks like: its columns (English names or Chinese labels) and how it is read.

CSV may be UTF-8, UTF-8 with BOM, or GBK/GB18030 as Excel writes it in China, separated by commas,
semicolons or tabs; XLSX is read with openpyxl in read-only mode.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl import load_workbook

from apps.core.exports import FORMULA_STARTS

from ..models import ImportBatch
from ..services import MasterDataError
from ..validation import normalize_text

MAX_ROWS = 100_000


class ImportFileError(MasterDataError):
    """The file as a whole cannot be read: too large, not CSV or XLSX, or the wrong columns."""


@dataclass(frozen=True)
class Column:
    """One column of a file: its English name (the model field), label, Chinese headers and type."""

    name: str
    label: Promise
    chinese: tuple[str, ...]
    kind: str = "text"  # code, name, text, barcode, tax_id, email, decimal, factor, int, bool, choice, ref
    required: bool = False
    lookup: str = ""  # for kind "ref": the table the code is looked up in


def _column(name, label, chinese, kind="text", *, required=False, lookup="") -> Column:
    return Column(name, gettext_lazy(label), tuple(chinese.split("|")), kind, required, lookup)


ACTIVE = _column("active", "Active (yes/no)", "启用|有效|是否启用", "bool")
COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportBatch.Kind.ITEM: (
        _column("code", "Code (blank: a new code is generated)", "编码|代码|物料编码|商品编码", "code"),
        _column("name", "Name", "名称|物料名称|商品名称", "name", required=True),
        _column("item_type", "Type: stock, consumable or service", "类型|物料类型", "choice"),
        _column("category", "Category code", "类别|分类|类别编码", "ref", lookup="categories"),
        _column("base_unit", "Base unit code, e.g. PCS", "基本单位|单位", "ref", required=True, lookup="units"),
        _column("purchase_unit", "Purchase unit code", "采购单位", "ref", lookup="units"),
        _column("purchase_factor", "Base units per purchase unit", "采购换算系数|采购换算", "factor"),
        _column("sales_unit", "Sales unit code", "销售单位", "ref", lookup="units"),
        _column("sales_factor", "Base units per sales unit", "销售换算系数|销售换算", "factor"),
        _column("standard_price", "Standard price", "标准价格|标准价|单价", "decimal"),
        _column("tax_rate", "Tax rate code, e.g. VAT13", "税率|税率编码", "ref", lookup="tax_rates"),
        _column("reorder_point", "Reorder point", "再订货点|订货点", "decimal"),
        _column("reorder_quantity", "Reorder quantity", "再订货量|订货批量", "decimal"),
        _column("lead_time_days", "Lead time (days)", "提前期|提前期(天)", "int"),
        _column("barcode", "Barcode", "条码|条形码", "barcode"),
        _column("lot_tracked", "Lot tracked (yes/no)", "批次管理", "bool"),
        _column("description", "Description", "描述|说明", "text"),
        ACTIVE,
    ),
    ImportBatch.Kind.PARTNER: (
        _column("code", "Code (blank: a new code is generated)", "编码|代码|往来单位编码", "code"),
        _column("name", "Name", "名称|单位名称|往来单位名称", "name", required=True),
        _column("is_customer", "Customer (yes/no)", "客户|是否客户", "bool"),
        _column("is_supplier", "Supplier (yes/no)", "供应商|是否供应商", "bool"),
        _column("tax_id_kind", "Tax ID kind: uscc, other or none", "税号类型", "choice"),
        _column("tax_id", "Tax ID (unified social credit code)", "税号|统一社会信用代码|纳税人识别号", "tax_id"),
        _column("payment_terms", "Payment terms code, e.g. NET30", "付款条件|账期", "ref", lookup="payment_terms"),
        _column("credit_limit", "Credit limit (blank: no limit)", "信用额度", "decimal"),
        _column("currency", "Currency code, e.g. CNY", "币种|货币", "ref", lookup="currencies"),
        _column("owner", "Owner (user name)", "负责人|业务员", "ref", lookup="users"),
        _column("phone", "Phone", "电话", "text"),
        _column("email", "E-mail", "邮箱|电子邮件", "email"),
        _column("notes", "Notes", "备注", "text"),
        ACTIVE,
    ),
    ImportBatch.Kind.WAREHOUSE: (
        _column("code", "Code", "编码|代码|仓库编码", "code", required=True),
        _column("name", "Name", "名称|仓库名称", "name", required=True),
        _column("address", "Address", "地址", "text"),
        ACTIVE,
    ),
    ImportBatch.Kind.LOCATION: (
        _column("warehouse", "Warehouse code", "仓库|仓库编码", "ref", required=True, lookup="warehouses"),
        _column("code", "Code", "编码|代码|库位编码", "code", required=True),
        _column("name", "Name", "名称|库位名称", "name"),
        _column("kind", "Kind: zone or bin", "类型|库位类型", "choice"),
        _column("parent", "Parent location code (a zone of the same warehouse)", "上级|上级编码|上级库位", "code"),
        ACTIVE,
    ),
}


def template_columns(kind: str) -> list[tuple[str, str, bool]]:
    """(column, translated label, required) of a kind's file, in file order."""
    return [(column.name, str(column.label), column.required) for column in COLUMNS[kind]]


def _unreadable(message: str) -> ImportFileError:
    return ImportFileError(message, code="unreadable_file", field="file")


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise _unreadable(_("The file is neither CSV (UTF-8 or GBK) nor XLSX."))


def _csv_records(content: bytes) -> Iterator[list[str]]:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise _unreadable(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # A spreadsheet keeps numbers as doubles; 15 significant digits is what it displays.
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_records(content: bytes) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key) on a damaged file
        raise _unreadable(_("The XLSX file cannot be read.")) from exc
    try:
        for values in rows:
            yield [_xlsx_text(value) for value in values]
    except Exception as exc:  # a damaged sheet fails while its rows are streamed
        raise _unreadable(_("The XLSX file cannot be read.")) from exc
    finally:
        workbook.close()


def _cell(text: str) -> str:
    """A cell's text, trimmed; the apostrophe an export puts before '=', '+', '-' or '@' is removed."""
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def read_table(content: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows with their row numbers in the file (blank rows are skipped)."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)d MB.") % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
            field="file",
        )
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary .xls
        raise ImportFileError(_("Save the file as XLSX or CSV."), code="unsupported_format", field="file")
    is_xlsx = content.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm"))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(_xlsx_records(content) if is_xlsx else _csv_records(content), start=1):
        cells = [_cell(text) for text in cells]
        if not any(cells):
            continue
        if header is None:
            header = cells
        elif len(rows) < MAX_ROWS:
            rows.append((number, cells))
        else:
            raise ImportFileError(
                _("The file has more than %(count)d rows; split it.") % {"count": MAX_ROWS},
                code="too_many_rows",
                field="file",
            )
    if header is None:
        raise ImportFileError(_("The file is empty."), code="empty_file", field="file")
    return header, rows


def _header_key(text: str) -> str:
    return normalize_text(text).strip("*").strip().casefold()


def _accepted_headers(columns: tuple[Column, ...]) -> dict[str, Column]:
    accepted: dict[str, Column] = {}
    for column in columns:
        with override("en"):
            english = str(column.label)
        names = (column.name, column.name.replace("_", " "), english, str(column.label), *column.chinese)
        accepted.update({_header_key(name): column for name in names})
    return accepted


def map_header(header: list[str], columns: tuple[Column, ...]) -> dict[int, Column]:
    """The column at each position of the header; unknown, repeated or missing columns refuse the file."""
    accepted = _accepted_headers(columns)
    found: dict[int, Column] = {}
    unknown, repeated = [], []
    for index, text in enumerate(header):
        if not _header_key(text):
            continue
        column = accepted.get(_header_key(text))
        if column is None:
            unknown.append(text[:40])
        elif column in found.values():
            repeated.append(text)
        else:
            found[index] = column
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(columns)s. The columns are: %(expected)s.")
            % {"columns": ", ".join(unknown[:10]), "expected": ", ".join(column.name for column in columns)},
            code="unknown_columns",
            field="file",
        )
    if repeated:
        raise ImportFileError(
            _("Columns given twice: %(columns)s.") % {"columns": ", ".join(repeated)},
            code="duplicate_columns",
            field="file",
        )
    missing = [column.name for column in columns if column.required and column not in found.values()]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
            code="missing_columns",
            field="file",
        )
    return found
