"""PostgreSQL's own pgbench TPC-B on one connection: the machine's baseline for the other benchmarks.

Initialises a scratch database (<bench database>_pgbench, scale 1) and runs `pgbench -c 1 -T 20`.
The tps lands in bench/out/pgbench_tpcb.json (the first row's "value"); bench/run.py runs this
first so other benchmarks can compare against it. The design measured about 650 tps on a 2-core
machine of ours; that reference is the ratio's baseline here.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_bench_a .venv/bin/python bench/pgbench_tpcb.py
"""

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_BENCH_DB, report

DURATION_SECONDS = int(os.environ.get("PGBENCH_SECONDS", "20"))
REFERENCE_TPS = 650.0


def pgbench_path() -> str:
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)
    for candidate in (shutil.which("pgbench"), *installed):
        if candidate:
            return candidate
    sys.exit("pgbench not found: install PostgreSQL's client programs or put pgbench on PATH")


def connection_arguments(url: str) -> tuple[list[str], str]:
    parts = urlsplit(url)
    arguments = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return arguments, parts.path.lstrip("/")


def create_database(url: str, name: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
    arguments, bench_name = connection_arguments(url)
    scratch = f"{bench_name}_pgbench"
    create_database(url, scratch)
    environment = {**os.environ}
    if urlsplit(url).password:
        environment["PGPASSWORD"] = urlsplit(url).password
    pgbench = pgbench_path()
    subprocess.run(
        [pgbench, *arguments, "-i", "-q", "-s", "1", scratch], check=True, env=environment, capture_output=True
    )
    run = subprocess.run(
        [pgbench, *arguments, "-c", "1", "-T", str(DURATION_SECONDS), "-n", scratch],
        check=True,
        env=environment,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([0-9.]+)", run.stdout)
    if match is None:
        sys.exit(f"no tps in pgbench's output:\n{run.stdout}\n{run.stderr}")
    tps = float(match.group(1))
    report(
        "pgbench_tpcb",
        [
            {
                "figure": f"pgbench TPC-B, 1 connection, {DURATION_SECONDS} s",
                "value": tps,
                "unit": "tps",
                "baseline": "the design's reference machine",
                "baseline_value": REFERENCE_TPS,
                "ratio": tps / REFERENCE_TPS,
                "target": "reference only",
                "ok": True,
            }
        ],
    )


if __name__ == "__main__":
    main()
