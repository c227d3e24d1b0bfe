"""MRP over 5,000 items, 1,500 BOMs of up to 4 levels and 20,000 open sales order lines, against the
same run on a fifth of that data.

Each size lives in its own company, generated once with bulk inserts (tests/planning/world.py: made
items at levels 0-2 with BOMs of 2-4 components from the levels below, bought items at level 3, stock
for half the items, open purchase orders for a fifth of the bought ones, reorder points). A run is
timed from claiming it to its planned orders and peggings committed, with every SQL statement
counted; the small and the full run alternate, ROUNDS times, and the medians are compared. The query
count must be the same for both (reads are batched, writes are one INSERT per table on PostgreSQL);
the time ratio is reported (5x the data).

BENCH_MRP_SCALE (default 1) scales all three sizes, e.g. 0.2 for a quick look on a loaded machine.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_bench .venv/bin/python bench/mrp_run.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, setup_django

SCALE = float(os.environ.get("BENCH_MRP_SCALE", "1"))
ITEMS, BOMS, DEMAND = (round(n * SCALE) for n in (5_000, 1_500, 20_000))
BASELINE_SHARE = 5
ROUNDS = int(os.environ.get("BENCH_MRP_ROUNDS", "3"))
TIME_RATIO_TARGET = 7.5  # at most 1.5 x linear in the data


def company_with_world(items: int, boms: int, demand: int):
    """The company holding this size of world, generated on first use; returns (company, actor, warehouse)."""
    from apps.core.models import User
    from apps.masterdata.models import Company, Currency, Item, Location, Warehouse
    from tests.planning.world import build_world

    code = f"MRP{items}-{boms}-{demand}"
    actor, _created = User.objects.get_or_create(username="bench-planner")
    company, _created = Company.objects.get_or_create(
        code=code, defaults={"name": code, "base_currency": Currency.objects.get(code="CNY")}
    )
    warehouse, _created = Warehouse.objects.get_or_create(company=company, code="MAIN", defaults={"name": "Main"})
    location, _created = Location.objects.get_or_create(warehouse=warehouse, code="A1", defaults={"path": "/"})
    if not Item.objects.filter(company=company).exists():
        started = time.perf_counter()
        build_world(
            company=company,
            actor=actor,
            warehouse=warehouse,
            location=location,
            items=items,
            boms=boms,
            demand_lines=demand,
            depth=4,
            prefix=f"M{items}-",
        )
        print(f"generated {code} in {time.perf_counter() - started:.1f} s")
    return company, actor, warehouse


def timed_run(company, actor, warehouse) -> tuple[float, int, int]:
    """One run, executed in this process: (seconds, SQL statements, planned orders)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.planning.models import MrpRun
    from apps.planning.services import execute_run

    run = MrpRun.objects.create(company=company, requested_by=actor, horizon_days=60, reorder_warehouse=warehouse)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        execute_run(run.pk)
        seconds = time.perf_counter() - started
    run.refresh_from_db()
    assert run.status == MrpRun.Status.DONE, run.error
    return seconds, len(queries), run.purchase_count + run.production_count


def main() -> None:
    setup_django()
    full = company_with_world(ITEMS, BOMS, DEMAND)
    small = company_with_world(ITEMS // BASELINE_SHARE, BOMS // BASELINE_SHARE, DEMAND // BASELINE_SHARE)
    timed_run(*small)  # warm up
    full_runs, small_runs = [], []
    for _round in range(ROUNDS):
        small_runs.append(timed_run(*small))
        full_runs.append(timed_run(*full))
    full_time, small_time = (statistics.median(run[0] for run in runs) for runs in (full_runs, small_runs))
    full_queries, small_queries = full_runs[-1][1], small_runs[-1][1]
    print(f"full: {full_runs}\nfifth: {small_runs}  (seconds, statements, planned orders)")
    size = f"{ITEMS:,} items, {BOMS:,} BOMs (4 levels), {DEMAND:,} demand lines"
    if SCALE != 1:
        size += f" (scale {SCALE:g} of the issue's sizes)"
    baseline = "the same run on 1/5 of the data"
    report(
        "mrp_run",
        [
            {
                "figure": f"MRP run over {size}: time (median of {ROUNDS}, {full_runs[-1][2]:,} planned orders)",
                "value": full_time,
                "unit": "s",
                "baseline": baseline,
                "baseline_value": small_time,
                "ratio": full_time / small_time,
                "target": f"ratio <= {TIME_RATIO_TARGET} (5x the data)",
                "ok": full_time / small_time <= TIME_RATIO_TARGET,
            },
            {
                "figure": f"MRP run over {size}: SQL statements",
                "value": full_queries,
                "unit": "queries",
                "baseline": baseline,
                "baseline_value": small_queries,
                "ratio": full_queries / small_queries,
                "target": "ratio = 1 (no query per item)",
                "ok": full_queries == small_queries,
            },
        ],
    )


if __name__ == "__main__":
    main()
