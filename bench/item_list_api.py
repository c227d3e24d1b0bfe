"""Item list API over 100,000 items vs the same two SQL statements run raw, plus json.dumps.

One page of 50 items with a filter (`item_type`) and a search (`q`), requested through the whole
Django/DRF stack in-process (middleware, token authentication, permissions, row scope, filters,
pagination, serializer, JSON renderer) by a buyer who sees the company through an object
permission. The baseline runs the same WHERE clause (company scope, type, search) as a count and a
page query with psycopg and encodes the rows with json.dumps. Both are timed alternately in the
same run; the ratio API / baseline is the figure (target <= 5x). The query count per request is
checked to be the same for a page of 10 and of 50.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_bench_c .venv/bin/python bench/item_list_api.py
"""

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, setup_django, timed

ITEM_COUNT = 100_000
COMPANY_CODE = "BENCH-ITEMS"
ROUNDS = 31
WORDS = [
    "Bolt", "Nut", "Washer", "Screw", "Bearing", "Gear", "Shaft", "Spring", "Valve", "Pipe",
    "Flange", "Gasket", "Motor", "Belt", "Pulley", "Bracket", "Hinge", "Clamp", "Rivet", "Sleeve",
]  # fmt: skip
# The target: a filter and a search. Filter only: little database work, so the stack's own cost shows.
CASES = {"filter + search": {"item_type": "stock", "q": "bolt"}, "filter only": {"item_type": "consumable"}}
ITEM_COLUMNS = (
    "company_id, code, name, name_key, item_type, category_id, base_unit_id, purchase_unit_id, sales_unit_id, "
    "standard_price, tax_rate_id, reorder_point, reorder_quantity, lead_time_days, barcode, lot_tracked, "
    "description, active"
)

# The list's two statements as Django builds them for a company-scoped user, written by hand.
SCOPE_AND_TYPE = """
    i.company_id IN (
        SELECT p.content_object_id FROM masterdata_companyuserobjectpermission p
        WHERE p.user_id = %(user)s AND p.permission_id = %(perm)s
        UNION
        SELECT g.content_object_id FROM masterdata_companygroupobjectpermission g
        JOIN core_user_groups ug ON ug.group_id = g.group_id
        WHERE ug.user_id = %(user)s AND g.permission_id = %(perm)s
    )
    AND i.item_type = %(item_type)s
"""
SEARCH = """
    AND (UPPER(i.code) LIKE UPPER(%(like)s) OR UPPER(i.name) LIKE UPPER(%(like)s)
         OR UPPER(i.barcode) LIKE UPPER(%(like)s))
"""
RAW_COUNT = "SELECT COUNT(*) FROM masterdata_item i WHERE {where}"
RAW_PAGE = """
    SELECT i.id, i.company_id, c.code AS company_code, c.name AS company_name, i.code, i.name, i.item_type,
           i.category_id, cat.code AS category_code, cat.name AS category_name,
           i.base_unit_id, bu.code AS base_unit_code, bu.name AS base_unit_name,
           i.purchase_unit_id, pu.code AS purchase_unit_code, pu.name AS purchase_unit_name,
           i.sales_unit_id, su.code AS sales_unit_code, su.name AS sales_unit_name,
           i.standard_price, i.tax_rate_id, t.code AS tax_rate_code, t.name AS tax_rate_name,
           i.reorder_point, i.reorder_quantity, i.lead_time_days, i.barcode, i.lot_tracked, i.description, i.active
    FROM masterdata_item i
    JOIN masterdata_company c ON c.id = i.company_id
    LEFT JOIN masterdata_itemcategory cat ON cat.id = i.category_id
    JOIN masterdata_unitofmeasure bu ON bu.id = i.base_unit_id
    LEFT JOIN masterdata_unitofmeasure pu ON pu.id = i.purchase_unit_id
    LEFT JOIN masterdata_unitofmeasure su ON su.id = i.sales_unit_id
    LEFT JOIN masterdata_taxrate t ON t.id = i.tax_rate_id
    WHERE {where}
    ORDER BY i.code
    LIMIT 50
"""


def load_items():
    """A buyer who sees the bench company and its 100,000 items (loaded once, with COPY)."""
    from django.contrib.auth.models import Group

    from apps.core.models import User
    from apps.masterdata import services
    from apps.masterdata.models import Company, Currency, Item

    company = Company.objects.filter(code=COMPANY_CODE).first()
    if company is None:
        cny = Currency.objects.get(code="CNY")
        company = services.save_reference(
            actor=None, instance=Company(code=COMPANY_CODE, name="Bench Items Ltd", base_currency=cny)
        )
    buyer, _created = User.objects.get_or_create(username="bench-buyer")
    buyer.groups.add(Group.objects.get(name="buyer"))
    services.grant_access(actor=None, holder=buyer, scope_object=company)
    if Item.objects.filter(company=company).count() != ITEM_COUNT:
        copy_items(company)
    return buyer


def copy_items(company) -> None:
    from django.db import connection

    from apps.masterdata import services
    from apps.masterdata.models import Item, ItemCategory, TaxRate, UnitOfMeasure

    Item.objects.filter(company=company).delete()
    categories = [
        ItemCategory.objects.filter(company=company, code=f"C{n}").first()
        or services.save_category(actor=None, category=ItemCategory(company=company, code=f"C{n}", name=f"Group {n}"))
        for n in range(20)
    ]
    units = {unit.code: unit.pk for unit in UnitOfMeasure.objects.all()}
    vat = TaxRate.objects.get(code="VAT13").pk
    types = ("stock", "consumable", "service")
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY masterdata_item ({ITEM_COLUMNS}) FROM STDIN") as copy:
            for n in range(ITEM_COUNT):
                name = f"{WORDS[n % len(WORDS)]} M{n % 24 + 3} type {n}"
                copy.write_row(
                    (company.pk, f"IT-{n:06d}", name, name.lower().replace(" ", ""), types[n % 3],
                     categories[n % 20].pk, units["PCS"], units["BOX"], units["SET"], f"{n % 997}.25", vat,
                     "10", "100", n % 30, f"69{n:011d}", False, "", True)
                )  # fmt: skip
        cursor.execute("ANALYZE masterdata_item")


def api_client(buyer):
    from django.test import Client

    from apps.core.services import create_api_token

    secret = create_api_token(user=buyer)[1]
    return Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Token {secret}")


def fetch_page(client, query: dict, page_size: int = 50) -> dict:
    response = client.get("/api/v1/masterdata/items/", {**query, "page_size": page_size}, secure=True)
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


def raw_page(buyer, permission_id: int, query: dict) -> str:
    from django.db import connection

    where = SCOPE_AND_TYPE + (SEARCH if "q" in query else "")
    params = {"user": buyer.pk, "perm": permission_id, "item_type": query["item_type"], "like": f"%{query.get('q')}%"}
    with connection.cursor() as cursor:
        cursor.execute(RAW_COUNT.format(where=where), params)
        count = cursor.fetchone()[0]
        cursor.execute(RAW_PAGE.format(where=where), params)
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return json.dumps({"count": count, "results": rows}, default=str)


def queries_per_request(client, query: dict, page_size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fetch_page(client, query, page_size)
    return len(queries)


def compare(client, buyer, permission_id: int, name: str, query: dict) -> dict:
    """Median of the API and of the raw baseline over alternating rounds."""
    page = fetch_page(client, query)
    raw = json.loads(raw_page(buyer, permission_id, query))
    assert page["count"] == raw["count"] and len(page["results"]) == len(raw["results"]) == 50
    assert [item["code"] for item in page["results"]] == [item["code"] for item in raw["results"]]
    api_times, raw_times = [], []
    for _round in range(ROUNDS):
        api_times.append(timed(lambda: fetch_page(client, query)))
        raw_times.append(timed(lambda: raw_page(buyer, permission_id, query)))
    api_ms, raw_ms = statistics.median(api_times) * 1000, statistics.median(raw_times) * 1000
    print(f"{name}: {page['count']} of {ITEM_COUNT} items match {query}")
    return {
        "figure": f"item list API, page of 50, {name} (median of {ROUNDS})",
        "value": api_ms,
        "unit": "ms",
        "baseline": "raw SQL count + page, json.dumps",
        "baseline_value": raw_ms,
        "ratio": api_ms / raw_ms,
        "target": "<= 5x" if "q" in query else "(shows the stack's own cost)",
        "ok": api_ms / raw_ms <= 5 or "q" not in query,
    }


def main() -> None:
    setup_django()
    from django.contrib.auth.models import Permission

    buyer = load_items()
    permission_id = Permission.objects.get(codename="access_company").pk
    client = api_client(buyer)
    rows = [compare(client, buyer, permission_id, name, query) for name, query in CASES.items()]
    searched = CASES["filter + search"]
    queries = {size: queries_per_request(client, searched, size) for size in (10, 50)}
    rows.append(
        {
            "figure": "queries per request, page of 50",
            "value": queries[50],
            "unit": "queries",
            "baseline": "queries per request, page of 10",
            "baseline_value": queries[10],
            "ratio": queries[50] / queries[10],
            "target": "same for any page size",
            "ok": queries[50] == queries[10],
        }
    )
    report("item_list_api", rows)


if __name__ == "__main__":
    main()
