"""Reading rows into records: each cell converted as the model and the services would, every error
collected with its row and column, and the records written in bulk with their history."""

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..services import allocate_codes
from ..validation import normalize_code, normalize_tax_id, normalize_text
from .files import COLUMNS, Column

PREVIEW_ROWS = 50
LOOKUP_CHUNK = 5_000  # values per IN (...) list: under SQLite's variable limit, one query for most files
WRITE_BATCH = 1_000
SMALLINT_MAX = 32_767
ACTIONS = {"new": gettext_lazy("new"), "update": gettext_lazy("update"), "unchanged": gettext_lazy("unchanged")}
# Values as Chinese spreadsheets write them, besides the choice's value and label.
CHOICE_WORDS = {
    "stock": "库存|库存品|存货",
    "consumable": "消耗品|耗材",
    "service": "服务",
    "uscc": "统一社会信用代码",
    "other": "其他|其他税号",
    "none": "无",
    "zone": "区域|库区",
    "bin": "库位|货位",
    "transit": "在途",
}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "√"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "×"}
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


@dataclass
class RowError:
    row: int
    column: str
    message: str
    code: str


@dataclass
class ImportReport:
    kind: str
    rows: int
    created: int
    updated: int
    errors: list[RowError]
    committed: bool
    preview: list[dict]


@dataclass
class Row:
    number: int
    cells: dict[str, str]  # column name -> text


class CellError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def to_decimal(text: str, *, max_digits: int, places: int, positive: bool = False) -> Decimal:
    """A decimal from text, never through float: not negative (or above zero), within the field's digits."""
    cleaned = text.replace(" ", "")
    if _THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise CellError(_("Enter a number."), "invalid_number")
    if value < 0 or (positive and value == 0):
        message = _("Enter a number greater than zero.") if positive else _("Enter a number that is not negative.")
        raise CellError(message, "negative")
    _sign, digits, exponent = value.normalize().as_tuple()
    if -exponent > places:
        raise CellError(_("Use at most %(places)d decimal places.") % {"places": places}, "too_many_places")
    if len(digits) + exponent > max_digits - places:
        raise CellError(_("The number is too large."), "too_large")
    return value


def to_integer(text: str, *, maximum: int) -> int:
    value = to_decimal(text, max_digits=18, places=6)
    if value != value.to_integral_value():
        raise CellError(_("Enter a whole number."), "invalid_number")
    if value > maximum:
        raise CellError(_("Enter a number up to %(max)d.") % {"max": maximum}, "too_large")
    return int(value)


def boolean_words() -> dict[str, bool]:
    """The words for yes and no, including how an export in the current language writes them."""
    words = dict.fromkeys(TRUE_WORDS, True) | dict.fromkeys(FALSE_WORDS, False)
    return words | {str(_("Yes")).casefold(): True, str(_("No")).casefold(): False}


def to_boolean(text: str, words: dict[str, bool]) -> bool:
    try:
        return words[text.casefold()]
    except KeyError:
        raise CellError(_("Enter yes or no (是/否, true/false, 1/0)."), "invalid_boolean") from None


def choice_words(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Each word that names a choice (its value, English and translated label, Chinese words) -> the value."""
    words = {}
    for value, label in choices:
        with override("en"):
            english = str(label)
        for word in (value, english, str(label), *CHOICE_WORDS.get(value, "").split("|")):
            words[normalize_text(word).casefold()] = value
    return words


def to_choice(text: str, words: dict[str, str]) -> str:
    try:
        return words[normalize_text(text).casefold()]
    except KeyError:
        values = ", ".join(dict.fromkeys(words.values()))
        raise CellError(_("Choose one of: %(values)s.") % {"values": values}, "invalid_choice") from None


def in_chunks(queryset: models.QuerySet, field: str, values: Iterable) -> Iterator:
    """The rows whose `field` is one of `values`, in as few queries as the database allows."""
    values = sorted(set(values))
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield from queryset.filter(**{f"{field}__in": values[start : start + LOOKUP_CHUNK]})


class RowImport(ABC):
    """Check every row of one kind (collecting every error), then write them all with bulk statements.

    A kind loads what its checks need in `load`, checks a row's values in `check_row` (then `keep`s
    the record), checks what needs every row in `finish`, and writes in `write`.
    """

    kind: str
    model: type[models.Model]

    def __init__(self, *, company, headers: dict[str, str], rows: list[Row]) -> None:
        self.company = company
        self.headers = headers  # column name -> the header as written in the file
        self.rows = rows
        self.columns = {column.name: column for column in COLUMNS[self.kind]}
        meta = self.model._meta
        self.fields = {
            name: None if column.kind in ("factor", "ref") else meta.get_field(name)
            for name, column in self.columns.items()
        }
        self.blanks = {name: self.blank(field) for name, field in self.fields.items()}
        self.attnames = {field.name: field.attname for field in meta.concrete_fields}
        self.choices = {
            name: choice_words(self.fields[name].choices)
            for name, column in self.columns.items()
            if column.kind == "choice"
        }
        self.booleans = boolean_words()
        self.errors: list[RowError] = []
        self.lookups: dict[str, dict[str, Any]] = {}
        self.new: list[models.Model] = []
        self.changed: list[tuple[models.Model, set[str]]] = []
        self.code_rows: dict[Any, int] = {}
        self.preview: list[dict] = []

    def check(self) -> None:
        self.load()
        for row in self.rows:
            repeated = not self.claim_code(row)
            values = self.parse(row)
            if values is not None and not repeated:
                self.check_row(row, values)
        self.finish()

    @abstractmethod
    def load(self) -> None:
        """Load what the checks of every row need, in a few queries."""

    @abstractmethod
    def check_row(self, row: Row, values: dict[str, Any]) -> None:
        """Check one row's values and `keep` its record, or report its problems."""

    def finish(self) -> None:  # noqa: B027 - an optional step; only locations need one
        """Checks that need every row read first."""

    @abstractmethod
    def write(self, *, actor, reason: str) -> None:
        """Write every kept record and its history; runs inside the import's transaction."""

    def file_values(self, column: str, normalize=normalize_code) -> set[str]:
        return {normalize(row.cells.get(column, "")) for row in self.rows} - {""}

    def add_error(self, row: Row, column: str, message: str, code: str) -> None:
        header = self.headers.get(column, column)
        self.errors.append(RowError(row=row.number, column=header, message=str(message), code=code))

    def add_errors(self, row: Row, problems: list[tuple[str, str, str]]) -> bool:
        for column, message, code in problems:
            self.add_error(row, column, message, code)
        return bool(problems)

    def parse(self, row: Row) -> dict[str, Any] | None:
        """The row's cells as field values, or None after reporting every bad cell."""
        values, valid = {}, True
        for name, text in row.cells.items():
            try:
                values[name] = self.convert(self.columns[name], text)
            except CellError as error:
                self.add_error(row, name, error.message, error.code)
                valid = False
        return values if valid else None

    @staticmethod
    def blank(field) -> Any:
        """What an empty cell means: no value where the field allows none, else the field's default."""
        if field is None or field.null:
            return None
        return field.get_default() if field.has_default() else ""

    def convert(self, column: Column, text: str) -> Any:
        if not text:
            if column.required:
                raise CellError(_("This column is required."), "required")
            return self.blanks[column.name]
        field = self.fields[column.name]
        if column.kind == "ref":
            return self.reference(column, text)
        value = self.value(column, field, text)
        if isinstance(value, str) and field.max_length and len(value) > field.max_length:
            raise CellError(
                _("At most %(max)d characters (this has %(count)d).") % {"max": field.max_length, "count": len(value)},
                "max_length",
            )
        return value

    def value(self, column: Column, field, text: str) -> Any:
        match column.kind:
            case "code":
                return normalize_code(text)
            case "name":
                return normalize_text(text)
            case "barcode":
                return normalize_text(text).replace(" ", "")
            case "tax_id":
                return normalize_tax_id(text)
            case "email":
                try:
                    validate_email(text)
                except ValidationError as exc:
                    raise CellError(_("Enter a valid e-mail address."), "invalid_email") from exc
                return text
            case "decimal":
                return to_decimal(text, max_digits=field.max_digits, places=field.decimal_places)
            case "factor":
                return to_decimal(text, max_digits=18, places=6, positive=True)
            case "int":
                return to_integer(text, maximum=SMALLINT_MAX)
            case "bool":
                return to_boolean(text, self.booleans)
            case "choice":
                return to_choice(text, self.choices[column.name])
        return text

    def reference(self, column: Column, text: str) -> models.Model:
        if column.lookup == "users":
            found = self.lookups["users"].get(normalize_text(text))
            if found is None:
                raise CellError(_("There is no active user %(name)s.") % {"name": normalize_text(text)}, "unknown")
            return found
        code = normalize_code(text)
        found = self.lookups[column.lookup].get(code)
        if found is None:
            what = self.model._meta.get_field(column.name).verbose_name
            raise CellError(_("There is no %(what)s %(code)s.") % {"what": what, "code": code}, "unknown")
        return found

    def code_key(self, row: Row) -> Any:
        """What makes a row's record unique within the kind: its code (blank for a new one)."""
        return normalize_code(row.cells.get("code", ""))

    def claim_code(self, row: Row) -> bool:
        """False (with an error) when an earlier row of the file has the same code."""
        key = self.code_key(row)
        if not key:
            return True
        if key in self.code_rows:
            code = normalize_code(row.cells["code"])
            message = _("Row %(row)d has the same code %(code)s.") % {"row": self.code_rows[key], "code": code}
            self.add_error(row, "code", message, "duplicate_code")
            return False
        self.code_rows[key] = row.number
        return True

    def assign(self, record: models.Model, values: dict[str, Any], skip: Iterable[str] = ()) -> dict[str, Any]:
        """Set the row's fields on the record; returns the values they had, by field name."""
        names = [name for name in values if name not in {"code", *skip}]
        before = {name: getattr(record, self.attnames[name]) for name in names}
        for name in names:
            setattr(record, name, values[name])
        return before

    def changed_fields(self, record: models.Model, before: dict[str, Any]) -> set[str]:
        return {name for name, old in before.items() if getattr(record, self.attnames[name]) != old}

    def keep(self, row: Row, record: models.Model, fields: set[str], *, other_change: bool = False) -> None:
        """A checked record: new, changed in `fields` (or elsewhere, e.g. its conversions), or unchanged."""
        if record.pk is None:
            self.new.append(record)
            action = "new"
        elif fields or other_change:
            self.changed.append((record, fields))
            action = "update"
        else:
            action = "unchanged"
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append({"row": row.number, "action": str(ACTIONS[action]), **row.cells})

    def assign_codes(self, records: list[models.Model]) -> None:
        """Codes for new records that came without one, skipping any the company already uses."""
        blank = [record for record in records if not record.code]
        while blank:
            codes = allocate_codes(company=self.company, kind=self.kind, count=len(blank))
            taken = set(self.model.objects.filter(company=self.company, code__in=codes).values_list("code", flat=True))
            taken |= set(codes) & set(self.code_rows)
            for record, code in zip(blank, codes, strict=True):
                if code not in taken:
                    record.code = code
            blank = [record for record in blank if not record.code]

    @cached_property
    def written_at(self):
        return timezone.now()

    def history(self, *, actor, reason: str) -> dict[str, Any]:
        """One author, reason and time for every history row the import writes."""
        return {
            "default_user": actor,
            "default_change_reason": reason,
            "default_date": self.written_at,
            "batch_size": WRITE_BATCH,
        }

    def save(self, *, actor, reason: str, extra_fields: Iterable[str] = ()) -> None:
        history = self.history(actor=actor, reason=reason)
        # Updates first: a new record may take a barcode or tax ID an existing one gives up.
        changed = [record for record, fields in self.changed if fields]
        if changed:
            fields = set().union(*(fields for _record, fields in self.changed)) | set(extra_fields)
            bulk_update_with_history(changed, self.model, sorted(fields), **history)
        bulk_create_with_history(self.new, self.model, **history)

    def report(self, *, committed: bool) -> ImportReport:
        return ImportReport(
            kind=str(self.kind),
            rows=len(self.rows),
            created=len(self.new),
            updated=len(self.changed),
            errors=sorted(self.errors, key=lambda error: error.row),
            committed=committed,
            preview=self.preview,
        )
