"""Shared plumbing for the benchmarks: a dedicated PostgreSQL database, timing, and results.

Every benchmark measures its baseline in the same run and reports figure / baseline as a ratio,
because these 2-core machines are noisy: absolute times are not comparable between runs.
"""

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
DEFAULT_BENCH_DB = "postgres://postgres@127.0.0.1:5432/erp_bench"


def setup_django(*, migrate: bool = True) -> None:
    """Point Django at the benchmark database (BENCH_DATABASE_URL), create and migrate it."""
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")
    _create_database(url)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def median_time(function: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        function()
    return statistics.median(timed(function) for _ in range(repeat))


def report(name: str, rows: list[dict]) -> None:
    """Print rows as a markdown table and keep them in bench/out/<name>.json for bench/run.py.

    Each row: {"figure": str, "value": float, "unit": str, "baseline": str, "baseline_value": float,
    "ratio": float, "target": str, "ok": bool}.
    """
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / f"{name}.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    print(f"\n## {name}\n")
    print("| figure | value | baseline | baseline value | ratio | target | met |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['figure']} | {row['value']:.1f} {row['unit']} | {row['baseline']} | "
            f"{row['baseline_value']:.1f} {row['unit']} | {row['ratio']:.2f} | {row['target']} | "
            f"{'yes' if row['ok'] else 'NO'} |"
        )
