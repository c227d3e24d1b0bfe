"""Import of 10,000 items from CSV, committed, vs a raw COPY of the same rows into the item table.

The import runs the whole path a user's file takes: decoding, header mapping, every row checked
(codes, units and conversion factors, barcodes, decimals, categories, tax rates) against lookups
loaded up front, then one transaction of bulk inserts of the items, their history rows (actor and
change reason) and their purchase-unit conversions with theirs. Each round imports into a new,
empty company. The baseline parses the same CSV and COPYs its rows into masterdata_item for a
scratch company with psycopg, in its own transaction; both are timed alternately in the same run
and the ratio import / COPY is reported. Target: at least 2,000 rows/s committed.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_bench_d .venv/bin/python bench/import_items.py
"""

import csv
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, setup_django, timed

ROWS = 10_000
ROUNDS = 3
TARGET_ROWS_PER_SECOND = 2_000
HEADER = "code,name,item_type,category,base_unit,purchase_unit,purchase_factor,standard_price,tax_rate,barcode"
WORDS = ["Bolt", "Nut", "Washer", "Screw", "Bearing", "Gear", "Shaft", "Spring", "Valve", "Pipe"]
ITEM_COLUMNS = (
    "company_id, code, name, name_key, item_type, category_id, base_unit_id, purchase_unit_id, sales_unit_id, "
    "standard_price, tax_rate_id, reorder_point, reorder_quantity, lead_time_days, barcode, lot_tracked, "
    "description, active"
)


def item_file() -> bytes:
    """10,000 rows as Excel would save them: one in ten without a code (generated on import)."""
    lines = [HEADER]
    for n in range(ROWS):
        code = "" if n % 10 == 9 else f"B-{n:06d}"
        kind = ("stock", "consumable", "service")[n % 3]
        purchase = ("BOX", "12") if kind != "service" else ("", "")
        lines.append(
            f"{code},{WORDS[n % 10]} M{n % 24 + 3} no. {n},{kind},C{n % 20},PCS,{purchase[0]},{purchase[1]},"
            f"{n % 997}.25,VAT13,69{n:011d}"
        )
    return "\r\n".join(lines).encode("utf-8-sig")


def new_company(label: str):
    from apps.masterdata import services
    from apps.masterdata.models import Company, Currency, ItemCategory

    code = f"{label}{time.time_ns() % 10**12}"
    company = services.save_reference(
        actor=None,
        instance=Company(code=code, name=f"Import bench {code}", base_currency=Currency.objects.get(code="CNY")),
    )
    for n in range(20):
        services.save_category(actor=None, category=ItemCategory(company=company, code=f"C{n}", name=f"Group {n}"))
    return company


def remove_company(company) -> None:
    """Delete the round's rows in plain SQL: the ORM would write a history row for each deletion."""
    from django.db import connection

    statements = [
        "DELETE FROM masterdata_historicalunitconversion WHERE item_id IN "
        "(SELECT id FROM masterdata_item WHERE company_id = %(company)s)",
        "DELETE FROM masterdata_unitconversion WHERE item_id IN "
        "(SELECT id FROM masterdata_item WHERE company_id = %(company)s)",
        "DELETE FROM masterdata_historicalitem WHERE company_id = %(company)s",
        "DELETE FROM masterdata_item WHERE company_id = %(company)s",
        "DELETE FROM masterdata_historicalitemcategory WHERE company_id = %(company)s",
        "DELETE FROM masterdata_itemcategory WHERE company_id = %(company)s",
        "DELETE FROM core_documentsequence WHERE company_id = %(company)s",
        "DELETE FROM masterdata_historicalcompany WHERE id = %(company)s",
        "DELETE FROM masterdata_company WHERE id = %(company)s",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, {"company": company.pk})


def run_import(actor, content: bytes) -> float:
    from apps.masterdata import importing

    company = new_company("BI")
    try:
        started = time.perf_counter()
        result = importing.import_records(
            actor=actor, company=company, kind="item", content=content, filename="items.csv", commit=True
        )
        elapsed = time.perf_counter() - started
        assert result.committed and result.created == ROWS and not result.errors, result.errors[:5]
        return elapsed
    finally:
        remove_company(company)


def run_copy(content: bytes) -> float:
    """Parse the same CSV and COPY its rows into the item table, committed."""
    from django.db import connection, transaction

    from apps.masterdata.models import ItemCategory, TaxRate, UnitOfMeasure
    from apps.masterdata.validation import name_key

    company = new_company("BC")
    units = dict(UnitOfMeasure.objects.values_list("code", "pk"))
    categories = dict(ItemCategory.objects.filter(company=company).values_list("code", "pk"))
    vat = TaxRate.objects.get(code="VAT13").pk

    def copy() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            stream = cursor.cursor.copy(f"COPY masterdata_item ({ITEM_COLUMNS}) FROM STDIN")
            with stream as copy:
                for n, row in enumerate(csv.DictReader(io.StringIO(content.decode("utf-8-sig")))):
                    copy.write_row(
                        (company.pk, row["code"] or f"G-{n:06d}", row["name"], name_key(row["name"]),
                         row["item_type"], categories[row["category"]], units[row["base_unit"]],
                         units.get(row["purchase_unit"]), None, row["standard_price"], vat, "0", "0", 0,
                         row["barcode"], False, "", True)
                    )  # fmt: skip

    try:
        return timed(copy)
    finally:
        remove_company(company)


def main() -> None:
    setup_django()
    from apps.core.models import User

    actor, _created = User.objects.get_or_create(username="bench-importer")
    content = item_file()
    run_import(actor, content)  # warm up: imports, caches, the first sequence row
    imports, copies = [], []
    for _round in range(ROUNDS):
        imports.append(run_import(actor, content))
        copies.append(run_copy(content))
    import_seconds, copy_seconds = statistics.median(imports), statistics.median(copies)
    import_rate, copy_rate = ROWS / import_seconds, ROWS / copy_seconds
    print(f"import: {[round(s, 2) for s in imports]} s; COPY: {[round(s, 3) for s in copies]} s")
    report(
        "import_items",
        [
            {
                "figure": f"import {ROWS:,} items from CSV, committed (median of {ROUNDS})",
                "value": import_rate,
                "unit": "rows/s",
                "baseline": "raw COPY of the same rows",
                "baseline_value": copy_rate,
                "ratio": import_seconds / copy_seconds,
                "target": f">= {TARGET_ROWS_PER_SECOND:,} rows/s",
                "ok": import_rate >= TARGET_ROWS_PER_SECOND,
            }
        ],
    )


if __name__ == "__main__":
    main()
