"""One-insert Celery tasks per second through a real worker on Redis, CELERY_DB_REUSE_MAX set vs unset.

Celery's Django fixup closes the database connection around every task unless CELERY_DB_REUSE_MAX
is set, so each task then pays a new PostgreSQL connection. A worker (prefork, 2 processes) is
started for each setting in turn, alternating twice; the tasks are queued while it runs and the
rate is taken from the inserted rows' own timestamps (first to last insert). The figure is the
rate with the setting (as erp/settings.py sets it) against the rate without it.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_bench_a \\
    BENCH_BROKER_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/celery_tasks.py
"""

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from celery import shared_task

from bench.common import ROOT, report

QUEUE = "bench"
TASKS = int(os.environ.get("BENCH_CELERY_TASKS", "1500"))
REUSE_MAX = "1000"
TABLE = "bench_celery_tick"


@shared_task(name="bench.insert_tick", ignore_result=True)
def insert_tick() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} DEFAULT VALUES")


def wait_until(predicate, *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit(f"timed out: {message}")
        time.sleep(0.1)


class Worker:
    def __init__(self, *, app, reuse_max: str, broker_url: str) -> None:
        self.app = app
        self.hostname = f"bench-{uuid.uuid4().hex[:8]}@localhost"
        self.log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
        environment = {
            **os.environ,
            "CELERY_DB_REUSE_MAX": reuse_max,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_SKIP_CHECKS": "1",
            "DJANGO_SETTINGS_MODULE": "erp.settings",
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "erp",
                "worker",
                f"--queues={QUEUE}",
                "--include=bench.celery_tasks",
                "--pool=prefork",
                "--concurrency=2",
                f"--hostname={self.hostname}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._ready, timeout=60, message=f"worker {self.hostname} to start (log: {self.log.name})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            sys.exit(f"the worker exited:\n{Path(self.log.name).read_text()}")
        return bool(self.app.control.ping(destination=[self.hostname], timeout=0.5))

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        Path(self.log.name).unlink(missing_ok=True)


def tasks_per_second(*, app, reuse_max: str, broker_url: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    worker = Worker(app=app, reuse_max=reuse_max, broker_url=broker_url)
    try:
        for _ in range(TASKS):
            insert_tick.apply_async(queue=QUEUE)
        wait_until(lambda: inserted() >= TASKS, timeout=300, message=f"{TASKS} tasks to run")
    finally:
        worker.stop()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXTRACT(EPOCH FROM max(at) - min(at)) FROM {TABLE}")
        elapsed = float(cursor.fetchone()[0])
    return (TASKS - 1) / elapsed


def inserted() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def main() -> None:
    broker_url = os.environ.get("BENCH_BROKER_URL") or os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
    os.environ["CELERY_BROKER_URL"] = broker_url
    from bench.common import setup_django

    setup_django()
    from django.db import connection

    from erp.celery import app

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge(QUEUE)
    rates: dict[str, list[float]] = {"unset": [], "set": []}
    for _ in range(2):
        rates["unset"].append(tasks_per_second(app=app, reuse_max="0", broker_url=broker_url))
        rates["set"].append(tasks_per_second(app=app, reuse_max=REUSE_MAX, broker_url=broker_url))
    with_reuse, without_reuse = statistics.median(rates["set"]), statistics.median(rates["unset"])
    report(
        "celery_tasks",
        [
            {
                "figure": f"one-insert tasks through a worker (2 processes), CELERY_DB_REUSE_MAX={REUSE_MAX}",
                "value": with_reuse,
                "unit": "tasks/s",
                "baseline": "the same with CELERY_DB_REUSE_MAX unset",
                "baseline_value": without_reuse,
                "ratio": with_reuse / without_reuse,
                "target": ">= 2x (design: 500 vs 150 tasks/s)",
                "ok": with_reuse / without_reuse >= 2,
            }
        ],
    )


if __name__ == "__main__":
    main()
