"""A mixed workload over HTTP on the real stack: locust drives 50 users for 5 minutes.

gunicorn (2 workers, DEBUG off) and 2 Celery workers (one process each) serve a company with
stock, a customer, a supplier and an approval rule for purchase orders of 5,000 or more. Staff
users (every role, scoped to the company, its warehouse and both partners) make 60 % reads (API
lists and reports, browser pages) and 40 % writes (sales orders through delivery, invoice and
receipt; purchase orders through goods receipt); one approver approves the purchase orders that
wait (bench/load/locustfile.py has the mix). Reported: throughput, p50/p95/p99 latency and the
error rate (target 0 %), each latency beside the same staff mix run by a single user first (the
unloaded baseline); throughput beside pgbench TPC-B; and the outbox lag, commit of an event to
its journal entry, p95 (target < 1 s, issue 3's figure).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_bench_load \\
    BENCH_BROKER_URL=redis://127.0.0.1:6379/9 BENCH_LOAD_SECONDS=300 BENCH_LOAD_USERS=50 \\
    .venv/bin/python bench/mixed_load.py
"""

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_BENCH_DB, ROOT, report
from bench.stock_postings import open_books, pgbench_tps, purge_queues, use_broker

SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "300"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SPAWN_RATE = int(os.environ.get("BENCH_LOAD_SPAWN_RATE", "10"))
BASELINE_SECONDS = int(os.environ.get("BENCH_LOAD_BASELINE_SECONDS", "60"))
COMPANY_CODE = "BENCH-LOAD"
WEB_WORKERS = 2
CELERY_WORKERS = 2
OPENING_STOCK = Decimal("1000000")
PO_APPROVAL_FROM = Decimal("5000")
OUT = ROOT / "var" / "bench_load"


def prepare() -> dict:
    """The company, its partners, users and stock; returns what the locustfile needs."""
    from apps.approvals import services as approvals
    from apps.approvals.models import ApprovalRule
    from apps.core.models import User
    from apps.core.services import create_api_token
    from apps.inventory import services as inventory
    from apps.masterdata import services
    from apps.masterdata.models import Partner

    company, keeper, warehouse, location, items = open_books(COMPANY_CODE, items=5)
    partners = {}
    for code, name, customer in (("LOAD-CUS", "Load Harbour Trading", True), ("LOAD-SUP", "Load Parts Supply", False)):
        partners[code] = Partner.objects.filter(company=company, code=code).first() or services.create_partner(
            actor=keeper, company=company, code=code, name=name, is_customer=customer, is_supplier=not customer
        )
    staff = user_with_roles("load-staff", ["sales_clerk", "buyer", "warehouse_keeper", "accountant"])
    approver = user_with_roles("load-approver", ["approver", "buyer"])
    for user in (staff, approver):
        for scope in (company, warehouse, *partners.values()):
            services.grant_access(actor=keeper, holder=user, scope_object=scope)
    if not ApprovalRule.objects.filter(company=company, document_type="purchasing.purchaseorder").exists():
        approvals.save_rule(
            actor=keeper,
            rule=ApprovalRule(
                company=company, document_type="purchasing.purchaseorder", name="Load POs", min_amount=PO_APPROVAL_FROM
            ),
            steps=[{"kind": "user", "user": approver}],
        )
    adjustment = inventory.create_adjustment(
        actor=keeper,
        company=company,
        warehouse=warehouse,
        reason="Load bench opening stock",
        document_date=date.today(),
        lines=[
            {"item": item, "location": location, "quantity": OPENING_STOCK, "unit_cost": Decimal("4")} for item in items
        ],
    )
    inventory.post_adjustment(actor=keeper, adjustment=adjustment)
    staff, approver = User.objects.get(pk=staff.pk), User.objects.get(pk=approver.pk)
    return {
        "company": company.pk,
        "warehouse": warehouse.pk,
        "location": location.pk,
        "items": [item.pk for item in items],
        "customer": partners["LOAD-CUS"].pk,
        "supplier": partners["LOAD-SUP"].pk,
        "staff_session": signed_in_session(staff),
        "staff_token": create_api_token(user=staff)[1],
        "approver_token": create_api_token(user=approver)[1],
    }


def user_with_roles(username: str, roles: list[str]):
    from django.contrib.auth.models import Group

    from apps.core.models import User

    user, _created = User.objects.get_or_create(username=username)
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def signed_in_session(user) -> str:
    """A browser session for `user`, made here so no simulated user spends the run hashing a password."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def service_environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB),
        "DJANGO_SETTINGS_MODULE": "erp.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: the session cookie must travel without TLS.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "REDIS_URL": os.environ["CELERY_BROKER_URL"],
        "CELERY_SKIP_CHECKS": "1",
        "PYTHONPATH": str(ROOT),
    }


def start(command: list[str], log_name: str) -> subprocess.Popen:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / log_name).open("wb") as log:
        return subprocess.Popen(
            command, cwd=ROOT, env=service_environment(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_stack(port: int) -> list[subprocess.Popen]:
    binary = ROOT / ".venv" / "bin"
    web = [str(binary / "gunicorn"), "erp.wsgi", "-w", str(WEB_WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "120"]
    processes = [start(web, "gunicorn.log")]
    for n in range(CELERY_WORKERS):
        worker = [str(binary / "celery"), "-A", "erp", "worker", "--pool=prefork", "--concurrency=1"]
        worker += [f"--hostname=load-{n}@localhost", "--without-gossip", "--without-mingle", "--loglevel=WARNING"]
        processes.append(start(worker, f"worker-{n}.log"))
    wait_until_serving(port, processes[0])
    return processes


def wait_until_serving(port: int, web: subprocess.Popen) -> None:
    import http.client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if web.poll() is not None:
            sys.exit(f"gunicorn exited with {web.returncode} (log: {OUT / 'gunicorn.log'})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("gunicorn did not answer in time")


def run_locust(
    port: int, config_path: Path, *, users: int, seconds: int, label: str, user_classes: tuple[str, ...] = ()
) -> dict[str, dict]:
    """Run the locustfile headless (only `user_classes` if named); returns its stats rows by name and 'Aggregated'."""
    prefix = OUT / label
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(SPAWN_RATE),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "30",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *user_classes,
    ]
    environment = {**os.environ, "LOAD_CONFIG": str(config_path)}
    completed = subprocess.run(command, cwd=ROOT, env=environment, check=False, timeout=seconds + 180)
    if completed.returncode not in (0, 1):  # locust exits 1 when any request failed; the error rate reports that
        sys.exit(f"locust failed with {completed.returncode}")
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}


def mix_figures(rows: dict[str, dict]) -> dict[str, float]:
    total = rows["Aggregated"]
    requests = int(total["Request Count"])
    reads = sum(int(row["Request Count"]) for name, row in rows.items() if name.startswith("R "))
    return {
        "requests": requests,
        "rps": float(total["Requests/s"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
        "errors": int(total["Failure Count"]),
        "read_share": reads / requests if requests else 0.0,
    }


def outbox_lag(since) -> tuple[float, float, int]:
    """(p95 seconds, median seconds, events) from an event's commit to its journal entry, for events since `since`."""
    from apps.core.models import OutboxEvent
    from apps.finance.models import JournalEntry

    pending = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING, created_at__gte=since)
    deadline = time.monotonic() + 600
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(1)
    lags = sorted(
        (entry.posted_at - entry.event.created_at).total_seconds()
        for entry in JournalEntry.objects.filter(event__created_at__gte=since).select_related("event")
    )
    if not lags:
        return 0.0, 0.0, 0
    return lags[max(0, int(len(lags) * 0.95) - 1)], lags[len(lags) // 2], len(lags)


def main() -> None:
    use_broker()
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # one key for this process and the servers: sessions hold
    from bench.common import setup_django

    setup_django()
    from django.utils import timezone

    from bench.sales_orders import free_port
    from erp.celery import app

    purge_queues(app)
    config = prepare()
    tps = pgbench_tps()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config_file:
        json.dump(config, config_file)
    port = free_port()
    processes = start_stack(port)
    try:
        alone = mix_figures(
            run_locust(
                port, Path(config_file.name), users=1, seconds=BASELINE_SECONDS, label="one", user_classes=("Staff",)
            )
        )
        load_started = timezone.now()
        loaded = mix_figures(run_locust(port, Path(config_file.name), users=USERS, seconds=SECONDS, label="load"))
        lag_p95, lag_median, events = outbox_lag(load_started)
    finally:
        for process in processes:
            stop(process)
        Path(config_file.name).unlink(missing_ok=True)
    purge_queues(app)
    print(
        f"1 user: {alone}\n{USERS} users: {loaded}\nlag p95 {lag_p95:.2f} s, median {lag_median:.2f} s, {events} events"
    )
    write_rows(alone, loaded, tps, lag_p95, lag_median, events)


def write_rows(alone: dict, loaded: dict, tps: float, lag_p95: float, lag_median: float, events: int) -> None:
    scale = f"{USERS} users, {SECONDS} s, {loaded['requests']:,} requests ({loaded['read_share']:.0%} reads)"
    rows = [
        {
            "figure": f"mixed workload throughput, {scale}",
            "value": loaded["rps"],
            "unit": "req/s",
            "baseline": "pgbench TPC-B, 1 connection (tps)",
            "baseline_value": tps,
            "ratio": loaded["rps"] / tps,
            "target": "reported",
            "ok": True,
        }
    ]
    for key in ("p50", "p95", "p99"):
        rows.append(
            {
                "figure": f"mixed workload latency {key}, {USERS} users",
                "value": loaded[key],
                "unit": "ms",
                "baseline": f"the staff mix by 1 user ({BASELINE_SECONDS} s), {key}",
                "baseline_value": alone[key],
                "ratio": loaded[key] / alone[key] if alone[key] else 0.0,
                "target": "reported",
                "ok": True,
            }
        )
    error_rate = 100 * loaded["errors"] / loaded["requests"] if loaded["requests"] else 100.0
    rows.append(
        {
            "figure": f"mixed workload error rate ({loaded['errors']} of {loaded['requests']:,} requests)",
            "value": error_rate,
            "unit": "%",
            "baseline": "the staff mix by 1 user, error rate",
            "baseline_value": 100 * alone["errors"] / alone["requests"] if alone["requests"] else 100.0,
            "ratio": 0.0,
            "target": "0 % for valid requests",
            "ok": loaded["errors"] == 0 and loaded["requests"] > 0,
        }
    )
    rows.append(
        {
            "figure": f"outbox lag under the mixed workload, p95 ({events:,} events)",
            "value": lag_p95 * 1000,
            "unit": "ms",
            "baseline": "median lag in the same run",
            "baseline_value": lag_median * 1000,
            "ratio": lag_p95 / lag_median if lag_median else 0.0,
            "target": "p95 < 1 s",
            "ok": events > 0 and lag_p95 < 1.0,
        }
    )
    report("mixed_load", rows)


if __name__ == "__main__":
    main()
