"""Sales orders created and confirmed through the API (gunicorn, 2 workers, 8 clients) vs the services in-process.

One company with its books open, five stock items with plenty of stock (a large adjustment is
posted first, so every reservation succeeds), a customer with no credit limit and list prices left
to default (no discount approval). A sales clerk who sees the company, the warehouse and the
customer through object permissions places every order: five lines of one unit each.
- In-process: `create_order` + `confirm_order` in one process, one order after another.
- API: `gunicorn erp.wsgi -w 2` on the bench database with DEBUG off, 8 client threads each
  POSTing /api/v1/sales/orders/ with an Idempotency-Key, then POST /api/v1/sales/orders/{id}/confirm/,
  with a knox token. Latency is create + confirm per order.
Both run in alternating rounds so drift on this shared machine hits them alike. Targets: the API
within 1.5x of the service (service orders/s / API orders/s), and API confirmations per second at
least 1/5 of pgbench TPC-B tps (bench/pgbench_tpcb.py's figure from this run, else run here).
BENCH_ORDERS sets the number of orders on each side (the issue's figure is 5,000).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_h5_bench \\
    BENCH_BROKER_URL=redis://127.0.0.1:6379/15 BENCH_ORDERS=5000 .venv/bin/python bench/sales_orders.py
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_BENCH_DB, ROOT, report
from bench.stock_postings import open_books, pgbench_tps, purge_queues, use_broker

ORDERS = int(os.environ.get("BENCH_ORDERS", "5000"))
ROUNDS = 5
CLIENTS = 8
WORKERS = 2
ITEMS = 5
COMPANY_CODE = "BENCH-SALES"
STOCK_UNIT_COST = Decimal("4")
STARTUP_SECONDS = 60


class Shop:
    """The bench company, its stock, its customer and the clerk who sells."""

    def __init__(self) -> None:
        from django.contrib.auth.models import Group

        from apps.core.models import User
        from apps.masterdata import services
        from apps.masterdata.models import Partner

        self.company, self.keeper, self.warehouse, self.location, self.items = open_books(COMPANY_CODE, items=ITEMS)
        self.customer = Partner.objects.filter(company=self.company, code="BENCH-CUS").first() or (
            services.create_partner(
                actor=self.keeper,
                company=self.company,
                code="BENCH-CUS",
                name="Bench Harbour Trading",
                is_customer=True,
                is_supplier=False,
            )
        )
        self.clerk, _created = User.objects.get_or_create(username="bench-clerk")
        self.clerk.groups.add(Group.objects.get(name="sales_clerk"))
        for scope in (self.company, self.warehouse, self.customer):
            services.grant_access(actor=self.keeper, holder=self.clerk, scope_object=scope)
        self.clerk = User.objects.get(pk=self.clerk.pk)  # permission caches start empty
        self.today = date.today()

    def stock_up(self, units: int) -> None:
        """Make at least `units` of every item available in the warehouse."""
        from apps.inventory import services
        from apps.sales.selectors import availability

        available = availability(
            company=self.company, item_ids=[item.pk for item in self.items], warehouse_id=self.warehouse.pk
        )
        lines = [
            {"item": item, "location": self.location, "quantity": Decimal(units), "unit_cost": STOCK_UNIT_COST}
            for item in self.items
            if available.get(item.pk, 0) < units
        ]
        if lines:
            adjustment = services.create_adjustment(
                actor=self.keeper,
                company=self.company,
                warehouse=self.warehouse,
                reason="Bench opening stock",
                document_date=self.today,
                lines=lines,
            )
            services.post_adjustment(actor=self.keeper, adjustment=adjustment)

    def api_body(self) -> bytes:
        return json.dumps(
            {
                "company": self.company.pk,
                "customer": self.customer.pk,
                "warehouse": self.warehouse.pk,
                "document_date": self.today.isoformat(),
                "lines": [{"item": item.pk, "quantity": "1"} for item in self.items],
            }
        ).encode()


def place_in_process(shop: Shop, count: int) -> float:
    """Seconds to create and confirm `count` orders through the services."""
    from apps.sales import services

    started = time.perf_counter()
    for _n in range(count):
        order = services.create_order(
            actor=shop.clerk,
            company=shop.company,
            customer=shop.customer,
            warehouse=shop.warehouse,
            document_date=shop.today,
            lines=[{"item": item, "quantity": Decimal(1)} for item in shop.items],
        )
        order = services.confirm_order(actor=shop.clerk, order=order)
        if order.status != order.Status.CONFIRMED:
            sys.exit(f"order {order.number} is {order.status}, not confirmed")
    return time.perf_counter() - started


# --- The API side -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, log: Path) -> subprocess.Popen:
    broker = os.environ["CELERY_BROKER_URL"]
    environment = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB),
        "DJANGO_SETTINGS_MODULE": "erp.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": broker,
    }
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "erp.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)


def stop_gunicorn(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Client:
    """One API client: a fresh connection per request (gunicorn's sync workers close each one)."""

    def __init__(self, port: int, token: str, body: bytes) -> None:
        self.port, self.token, self.body = port, token, body

    def post(self, path: str, body: bytes) -> dict:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(
                "POST",
                path,
                body=body,
                headers={
                    "Authorization": f"Token {self.token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex,
                },
            )
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        if response.status not in (200, 201):
            raise RuntimeError(f"POST {path}: {response.status} {content[:500]!r}")
        return json.loads(content)

    def place(self) -> float:
        """Seconds to create and confirm one order."""
        started = time.perf_counter()
        order = self.post("/api/v1/sales/orders/", self.body)
        confirmed = self.post(f"/api/v1/sales/orders/{order['id']}/confirm/", b"")
        if confirmed["status"] != "confirmed":
            raise RuntimeError(f"order {order['number']} is {confirmed['status']}, not confirmed")
        return time.perf_counter() - started


def wait_until_serving(server: subprocess.Popen, client: Client) -> None:
    deadline = time.time() + STARTUP_SECONDS
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        try:
            client.place()
            return
        except (ConnectionError, OSError):
            time.sleep(0.5)
    sys.exit("gunicorn did not answer in time")


def place_through_api(client: Client, count: int) -> tuple[float, list[float]]:
    """(seconds, per-order latencies) for `count` orders placed by CLIENTS concurrent clients."""
    latencies: list[float] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def share(orders: int) -> None:
        try:
            mine = [client.place() for _n in range(orders)]
        except Exception as exc:  # reported after the join: a failing client fails the bench
            with lock:
                failures.append(exc)
            return
        with lock:
            latencies.extend(mine)

    shares = [count // CLIENTS + (1 if n < count % CLIENTS else 0) for n in range(CLIENTS)]
    threads = [threading.Thread(target=share, args=(orders,)) for orders in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        sys.exit(f"API clients failed: {failures[0]}")
    return seconds, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    use_broker()
    os.environ.setdefault("REDIS_URL", os.environ["CELERY_BROKER_URL"])
    from bench.common import setup_django

    setup_django()
    from apps.core.services import create_api_token

    shop = Shop()
    warmup = 2 * CLIENTS
    shop.stock_up(2 * (ORDERS + warmup) + 100)
    tps = pgbench_tps()
    token = create_api_token(user=shop.clerk)[1]
    port = free_port()
    log = ROOT / "var" / "bench_sales_gunicorn.log"
    client = Client(port, token, shop.api_body())
    server = start_gunicorn(port, log)
    try:
        wait_until_serving(server, client)
        place_in_process(shop, warmup)
        place_through_api(client, warmup)
        service_seconds = api_seconds = 0.0
        latencies: list[float] = []
        per_round = [ORDERS // ROUNDS + (1 if n < ORDERS % ROUNDS else 0) for n in range(ROUNDS)]
        for count in per_round:
            in_process = place_in_process(shop, count)
            seconds, round_latencies = place_through_api(client, count)
            service_seconds, api_seconds = service_seconds + in_process, api_seconds + seconds
            latencies.extend(round_latencies)
            print(f"round of {count}: service {count / in_process:.1f} orders/s, API {count / seconds:.1f} orders/s")
    finally:
        stop_gunicorn(server)
    from erp.celery import app

    purge_queues(app)
    service, api = ORDERS / service_seconds, ORDERS / api_seconds
    p50, p95 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.95) * 1000
    print(f"service {service:.1f} orders/s, API {api:.1f} orders/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    figure = f"{ORDERS:,} orders of {ITEMS} lines created + confirmed via API, {WORKERS} workers, {CLIENTS} clients"
    report(
        "sales_orders",
        [
            {
                "figure": figure,
                "value": api,
                "unit": "orders/s",
                "baseline": "the same orders through the services in-process",
                "baseline_value": service,
                "ratio": service / api,
                "target": "API within 1.5x of the service (ratio <= 1.5)",
                "ok": service / api <= 1.5,
            },
            {
                "figure": "API confirmations per second (each order created + confirmed)",
                "value": api,
                "unit": "/s",
                "baseline": "pgbench TPC-B, 1 connection (tps)",
                "baseline_value": tps,
                "ratio": api / tps,
                "target": ">= 1/5 of pgbench (ratio >= 0.2)",
                "ok": api / tps >= 0.2,
            },
            {
                "figure": "API latency per order (create + confirm), p50",
                "value": p50,
                "unit": "ms",
                "baseline": "in-process time per order",
                "baseline_value": service_seconds / ORDERS * 1000,
                "ratio": p50 / (service_seconds / ORDERS * 1000),
                "target": "reported",
                "ok": True,
            },
            {
                "figure": "API latency per order (create + confirm), p95",
                "value": p95,
                "unit": "ms",
                "baseline": "in-process time per order",
                "baseline_value": service_seconds / ORDERS * 1000,
                "ratio": p95 / (service_seconds / ORDERS * 1000),
                "target": "reported",
                "ok": True,
            },
        ],
    )


if __name__ == "__main__":
    main()
