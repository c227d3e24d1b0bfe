"""Reports against the ledger's size: trial balance, stock on hand and a general ledger page.

Two companies with the same chart, items and warehouse, one holding 10,000 journal lines and
10,000 stock moves, the other 1,000,000 of each (BENCH_REPORT_ROWS), spread over last year and
this year. The rows are generated in SQL (generate_series), with triggers and foreign-key checks
off for the load (session_replication_role = replica; every generated entry is balanced), and
the balance tables rebuilt from them: account balances per period, stock balances per item and
location, item costs. In the same run, alternating, the median of ROUNDS of:
- the trial balance of this year (selectors.trial_balance): large / small <= 2x;
- the stock on hand of one item for a warehouse-scoped user (selectors.stock_on_hand): <= 2x;
- the first page (100 lines) of one account's general ledger as the report view builds it
  (opening balance, running balance, closing balance, pending events, page count), and EXPLAIN
  of the page query, which must read the account's lines through the (account, entry_date, id)
  index journal_line_account_date.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_h3_bench .venv/bin/python bench/reports_scale.py
"""

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, timed
from bench.stock_postings import open_books

SMALL = 10_000
LARGE = int(os.environ.get("BENCH_REPORT_ROWS", "1000000"))
ROUNDS = 15
ITEMS = 20
ACCOUNTS = 10
GL_PAGE = 100
GL_INDEX = "journal_line_account_date"
GENERATED_TABLES = ("finance_journalentry", "finance_journalline", "finance_accountbalance", "inventory_stockmove")

DAYS = """
    CREATE TEMP TABLE bench_days ON COMMIT DROP AS
    SELECT n AS day_number, day::date AS day, p.id AS period_id
    FROM (SELECT n, %(first)s::date + n AS day FROM generate_series(0, %(days)s - 1) AS n) d
    JOIN finance_period p ON p.company_id = %(company)s AND d.day BETWEEN p.start_date AND p.end_date
"""
ENTRIES = """
    INSERT INTO finance_journalentry (number, entry_date, kind, description, source_number, total, posted_at,
        company_id, period_id)
    SELECT 'BENCH-' || n, d.day, 'system', 'Generated for the benchmark', '', 10, now(), %(company)s, d.period_id
    FROM generate_series(0, %(entries)s - 1) AS n JOIN bench_days d ON d.day_number = n %% %(days)s
"""
LINES = """
    INSERT INTO finance_journalline (entry_id, company_id, account_id, period_id, entry_date, debit, credit,
        description)
    SELECT e.id, e.company_id, (%(accounts)s::bigint[])[1 + (e.id + side) %% %(account_count)s], e.period_id,
        e.entry_date, 10 * (1 - side), 10 * side, ''
    FROM finance_journalentry e CROSS JOIN (VALUES (0), (1)) AS s(side)
    WHERE e.company_id = %(company)s
"""
ACCOUNT_BALANCES = """
    INSERT INTO finance_accountbalance (company_id, account_id, period_id, debit, credit)
    SELECT company_id, account_id, period_id, sum(debit), sum(credit)
    FROM finance_journalline WHERE company_id = %(company)s GROUP BY company_id, account_id, period_id
    ON CONFLICT (account_id, period_id) DO UPDATE SET debit = excluded.debit, credit = excluded.credit
"""
MOVES = """
    INSERT INTO inventory_stockmove (kind, quantity, unit_cost, value, move_date, source_id, source_number, posted_at,
        company_id, item_id, posted_by_id, source_type_id, to_location_id)
    SELECT 'adjustment', 1, 10, 10, d.day, n, 'BENCH-' || n, now(), %(company)s,
        (%(items)s::bigint[])[1 + n %% %(item_count)s], %(actor)s, %(type)s, %(location)s
    FROM generate_series(0, %(moves)s - 1) AS n JOIN bench_days d ON d.day_number = n %% %(days)s
"""
STOCK_BALANCES = """
    INSERT INTO inventory_stockbalance (company_id, item_id, warehouse_id, location_id, on_hand, reserved, value)
    SELECT company_id, item_id, %(warehouse)s, to_location_id, sum(quantity), 0, sum(value)
    FROM inventory_stockmove WHERE company_id = %(company)s GROUP BY company_id, item_id, to_location_id
    ON CONFLICT (item_id, location_id) WHERE lot_id IS NULL
    DO UPDATE SET on_hand = excluded.on_hand, value = excluded.value
"""
ITEM_COSTS = """
    INSERT INTO inventory_itemcost (company_id, item_id, quantity, value, average_cost)
    SELECT company_id, item_id, sum(quantity), sum(value), 10
    FROM inventory_stockmove WHERE company_id = %(company)s GROUP BY company_id, item_id
    ON CONFLICT (item_id) DO UPDATE SET quantity = excluded.quantity, value = excluded.value, average_cost = 10
"""


class Ledger:
    """One company's generated books and the user who reads them."""

    def __init__(self, rows: int) -> None:
        from django.contrib.auth.models import Group

        from apps.core.models import User
        from apps.finance.models import Account
        from apps.finance.services import open_fiscal_year
        from apps.masterdata.services import grant_access

        self.rows = rows
        self.company, actor, self.warehouse, self.location, self.items = open_books(f"BENCH-R{rows}", items=ITEMS)
        self.first_day = date(date.today().year - 1, 1, 1)
        open_fiscal_year(actor=actor, company=self.company, year=self.first_day.year)
        self.accounts = list(
            Account.objects.filter(company=self.company, is_group=False, active=True).order_by("code")[:ACCOUNTS]
        )
        self.reader, _created = User.objects.get_or_create(username=f"bench-reader-{rows}")
        self.reader.groups.add(*Group.objects.filter(name__in=["accountant", "warehouse_keeper"]))
        grant_access(actor=None, holder=self.reader, scope_object=self.warehouse)
        grant_access(actor=None, holder=self.reader, scope_object=self.company)
        self.actor = actor

    def generate(self) -> float:
        """Fill the company to `rows` journal lines and stock moves (once); returns the seconds it took."""
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection, transaction

        from apps.finance.models import JournalLine
        from apps.inventory.models import StockAdjustment, StockMove

        if JournalLine.objects.filter(company=self.company).count() >= self.rows:
            return 0.0
        assert not StockMove.objects.filter(company=self.company).exists(), "a partly generated company: drop it"
        params = {
            "company": self.company.pk,
            "first": self.first_day,
            "days": (date.today() - self.first_day).days + 1,
            "entries": self.rows // 2,
            "accounts": [account.pk for account in self.accounts],
            "account_count": len(self.accounts),
            "moves": self.rows,
            "items": [item.pk for item in self.items],
            "item_count": len(self.items),
            "actor": self.actor.pk,
            "type": ContentType.objects.get_for_model(StockAdjustment).pk,
            "location": self.location.pk,
            "warehouse": self.warehouse.pk,
        }
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for statement in (DAYS, ENTRIES, LINES, ACCOUNT_BALANCES, MOVES, STOCK_BALANCES, ITEM_COSTS):
                cursor.execute(statement, params)
        with connection.cursor() as cursor:
            for table in GENERATED_TABLES:
                cursor.execute(f"ANALYZE {table}")
        return time.perf_counter() - started

    def trial_balance(self):
        from apps.finance.selectors import trial_balance
        from apps.finance.services import period_for

        this_year = date(date.today().year, 1, 1)
        end = period_for(company_id=self.company.pk, on_date=date.today()).end_date
        trial = trial_balance(company=self.company, start=this_year, end=end)
        assert trial.balanced and trial.rows, "the generated books must balance"
        return trial

    def stock_on_hand(self) -> list:
        from apps.inventory.selectors import stock_on_hand

        rows = list(stock_on_hand(self.reader, item_id=self.items[0].pk))
        assert len(rows) == 1 and rows[0].on_hand > 0, rows
        return rows

    def ledger_query(self):
        from apps.finance.selectors import general_ledger

        return general_ledger(account=self.accounts[0], start=date(date.today().year, 1, 1), end=date.today())

    def general_ledger_page(self) -> list:
        """What GeneralLedgerView builds for the first page."""
        from django.core.paginator import Paginator

        from apps.finance.selectors import account_balance, pending_event_count

        _opening, lines = self.ledger_query()
        account_balance(account=self.accounts[0], as_of=date.today())
        pending_event_count(company=self.company)
        page = Paginator(lines, GL_PAGE).get_page(1)
        rows = [(line.entry.number, line.running_balance) for line in page]
        assert len(rows) == GL_PAGE, len(rows)
        return rows

    def slowest_statement(self, name: str) -> str:
        """A report's slowest statement with its EXPLAIN ANALYZE: where its time goes."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            getattr(self, name)()
        slowest = max(queries, key=lambda query: float(query["time"]))
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN ANALYZE {slowest['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        return f"{slowest['time']} s: {slowest['sql']}\n{plan}"

    def ledger_plan(self) -> str:
        _opening, lines = self.ledger_query()
        return lines[:GL_PAGE].explain()


def compare(small: Ledger, large: Ledger, name: str) -> tuple[float, float]:
    """Median ms of the report on each company, timed alternately."""
    times: dict[int, list[float]] = {small.rows: [], large.rows: []}
    for ledger in (small, large):
        getattr(ledger, name)()
    for _round in range(ROUNDS):
        for ledger in (small, large):
            times[ledger.rows].append(timed(getattr(ledger, name)) * 1000)
    return statistics.median(times[large.rows]), statistics.median(times[small.rows])


def main() -> None:
    from bench.common import setup_django

    setup_django()
    small, large = Ledger(SMALL), Ledger(LARGE)
    for ledger in (small, large):
        seconds = ledger.generate()
        print(f"{ledger.rows:,} journal lines and stock moves: generated in {seconds:.0f} s")
    rows = []
    for name, label in (("trial_balance", "trial balance, this year"), ("stock_on_hand", "stock on hand of an item")):
        large_ms, small_ms = compare(small, large, name)
        rows.append(
            {
                "figure": f"{label} at {LARGE:,} journal lines / stock moves (median of {ROUNDS})",
                "value": large_ms,
                "unit": "ms",
                "baseline": f"the same at {SMALL:,}",
                "baseline_value": small_ms,
                "ratio": large_ms / small_ms,
                "target": "<= 2x",
                "ok": large_ms / small_ms <= 2,
            }
        )
    for name in ("trial_balance", "general_ledger_page"):
        print(f"\n{name} at {large.rows:,}, slowest statement:\n{large.slowest_statement(name)}")
    large_ms, small_ms = compare(small, large, "general_ledger_page")
    plans = {ledger.rows: ledger.ledger_plan() for ledger in (small, large)}
    for size, plan in plans.items():
        print(f"\nEXPLAIN general ledger page at {size:,}:\n{plan}")
    indexed = all(GL_INDEX in plan for plan in plans.values())
    rows.append(
        {
            "figure": f"general ledger, first page of {GL_PAGE} lines of one account (1/{ACCOUNTS} of the lines) "
            f"at {LARGE:,} (median of {ROUNDS})",
            "value": large_ms,
            "unit": "ms",
            "baseline": f"the same at {SMALL:,}",
            "baseline_value": small_ms,
            "ratio": large_ms / small_ms,
            "target": f"page read through {GL_INDEX} (EXPLAIN): {'yes' if indexed else 'no'}",
            "ok": indexed,
        }
    )
    report("reports_scale", rows)


if __name__ == "__main__":
    main()
