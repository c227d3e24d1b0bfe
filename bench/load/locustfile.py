"""The mixed workload of bench/mixed_load.py: staff reading and writing over HTTP, approvers deciding.

bench/mixed_load.py prepares the data and passes it in the JSON file named by LOAD_CONFIG. Of every
100 requests staff make, 60 read (API lists and reports, browser list and document pages) and 40
write: each write moves one document of their own along the order-to-cash or
procure-to-stock chain (sales order → delivery → invoice → receipt; purchase order → goods
receipt), so every request is valid and any failure counts as an error. Every fifth purchase
order is over the approval threshold and waits for an approver, who approves it over the API.
Request names start with R (reads) or W (writes), so the two mixes can be told apart in the stats.
"""

import json
import os
import uuid
from collections import deque
from datetime import date

from locust import HttpUser, between, task
from locust.clients import HttpSession

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"]).read())  # noqa: SIM115 - read once at import
TODAY = date.today().isoformat()
LARGE_PO_EVERY = 5


def api_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Accept": "application/json"}


class Staff(HttpUser):
    """A clerk who sells, buys, ships and keeps the books for one company (all roles, one scope)."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.headers.update(api_headers(CONFIG["staff_token"]))
        self.browser = HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self, pool_manager=None
        )
        self.browser.cookies.set("sessionid", CONFIG["staff_session"])
        self.orders_to_deliver: deque[int] = deque()
        self.deliveries_to_invoice: deque[int] = deque()
        self.invoices_to_pay: deque[tuple[int, str]] = deque()
        self.purchases_to_receive: deque[dict] = deque()
        self.sales_count = self.purchase_count = 0
        self.last_order_id: int | None = None

    def post(self, path: str, body: dict | None, *, name: str) -> dict:
        with self.client.post(
            path, json=body or {}, headers={"Idempotency-Key": uuid.uuid4().hex}, name=name, catch_response=True
        ) as response:
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:300]}")
                return {}
            return response.json()

    # --- Reads: 60 of every 100 requests (one request per read task, two per write task) ----------

    @task(8)
    def read_sales_orders(self) -> None:
        self.client.get("/api/v1/sales/orders/?ordering=-id", name="R API sales orders")

    @task(8)
    def read_purchase_orders(self) -> None:
        self.client.get("/api/v1/purchasing/orders/?ordering=-id", name="R API purchase orders")

    @task(8)
    def search_items(self) -> None:
        self.client.get("/api/v1/masterdata/items/?search=Bench", name="R API items search")

    @task(4)
    def read_stock_on_hand(self) -> None:
        self.client.get(f"/api/v1/inventory/reports/on-hand/?company={CONFIG['company']}", name="R API stock on hand")

    @task(4)
    def read_ar_ageing(self) -> None:
        self.client.get(f"/api/v1/sales/reports/ar-ageing/?company={CONFIG['company']}", name="R API AR ageing")

    @task(4)
    def read_trial_balance(self) -> None:
        company = CONFIG["company"]
        self.client.get(f"/api/v1/finance/reports/trial-balance/?company={company}", name="R API trial balance")

    @task(8)
    def open_sales_orders_page(self) -> None:
        self.browser.get("/sales/orders/", name="R page sales orders")

    @task(8)
    def open_purchase_orders_page(self) -> None:
        self.browser.get("/purchasing/orders/", name="R page purchase orders")

    @task(8)
    def open_sales_order_page(self) -> None:
        if self.last_order_id:
            self.browser.get(f"/sales/orders/{self.last_order_id}/", name="R page sales order")
        else:
            self.browser.get("/sales/orders/?q=SO", name="R page sales orders search")

    # --- Writes: 40 of every 100 requests ---------------------------------------------------------

    @task(20)
    def write_next_step(self) -> None:
        if self.invoices_to_pay:
            self.receive_payment(*self.invoices_to_pay.popleft())
        elif self.deliveries_to_invoice:
            self.invoice(self.deliveries_to_invoice.popleft())
        elif self.orders_to_deliver:
            self.deliver(self.orders_to_deliver.popleft())
        elif self.purchases_to_receive:
            self.receive_goods(self.purchases_to_receive.popleft())
        elif self.sales_count >= 2 * self.purchase_count:
            self.buy()
        else:
            self.sell()

    def sell(self) -> None:
        self.sales_count += 1
        lines = [{"item": item, "quantity": "1"} for item in CONFIG["items"][:3]]
        order = self.post(
            "/api/v1/sales/orders/",
            {
                "company": CONFIG["company"],
                "customer": CONFIG["customer"],
                "warehouse": CONFIG["warehouse"],
                "document_date": TODAY,
                "lines": lines,
            },
            name="W sales order create",
        )
        if order and self.post(f"/api/v1/sales/orders/{order['id']}/confirm/", None, name="W sales order confirm"):
            self.last_order_id = order["id"]
            self.orders_to_deliver.append(order["id"])

    def deliver(self, order_id: int) -> None:
        delivery = self.post(
            "/api/v1/sales/deliveries/", {"order": order_id, "document_date": TODAY}, name="W delivery create"
        )
        if delivery and self.post(f"/api/v1/sales/deliveries/{delivery['id']}/post/", None, name="W delivery post"):
            self.deliveries_to_invoice.append(delivery["id"])

    def invoice(self, delivery_id: int) -> None:
        invoice = self.post(
            "/api/v1/sales/invoices/",
            {"customer": CONFIG["customer"], "document_date": TODAY, "deliveries": [delivery_id]},
            name="W invoice create",
        )
        if invoice and self.post(f"/api/v1/sales/invoices/{invoice['id']}/post/", None, name="W invoice post"):
            self.invoices_to_pay.append((invoice["id"], invoice["total"]))

    def receive_payment(self, invoice_id: int, amount: str) -> None:
        receipt = self.post(
            "/api/v1/sales/receipts/",
            {"customer": CONFIG["customer"], "document_date": TODAY, "amount": amount, "reference": "LOAD"},
            name="W customer receipt create",
        )
        if receipt:
            self.post(
                f"/api/v1/sales/receipts/{receipt['id']}/post/",
                {"allocations": [{"invoice": invoice_id, "amount": amount}]},
                name="W customer receipt post",
            )

    def buy(self) -> None:
        self.purchase_count += 1
        large = self.purchase_count % LARGE_PO_EVERY == 0
        quantity = "1000" if large else "20"  # 1,000 × 10 is over the approval threshold
        order = self.post(
            "/api/v1/purchasing/orders/",
            {
                "supplier": CONFIG["supplier"],
                "warehouse": CONFIG["warehouse"],
                "document_date": TODAY,
                "expected_date": TODAY,
                "lines": [{"item": item, "quantity": quantity, "price": "10"} for item in CONFIG["items"][3:5]],
            },
            name="W purchase order create",
        )
        if not order:
            return
        submitted = self.post(f"/api/v1/purchasing/orders/{order['id']}/submit/", None, name="W purchase order submit")
        if submitted.get("status") == "confirmed":
            self.purchases_to_receive.append(submitted)

    def receive_goods(self, order: dict) -> None:
        lines = [
            {"order_line": line["id"], "quantity": line["quantity"], "location": CONFIG["location"]}
            for line in order["lines"]
        ]
        receipt = self.post(
            "/api/v1/purchasing/receipts/",
            {"warehouse": CONFIG["warehouse"], "document_date": TODAY, "lines": lines},
            name="W goods receipt create",
        )
        if receipt:
            self.post(f"/api/v1/purchasing/receipts/{receipt['id']}/post/", None, name="W goods receipt post")


class Approver(HttpUser):
    """The one approver, working through the inbox: reads it, approves the oldest waiting request."""

    fixed_count = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers.update(api_headers(CONFIG["approver_token"]))

    @task
    def work_the_inbox(self) -> None:
        waiting = self.client.get("/api/v1/approvals/requests/?box=waiting", name="R API approval inbox").json()
        for request in waiting.get("results", [])[:1]:
            self.client.post(
                f"/api/v1/approvals/requests/{request['id']}/approve/",
                json={"comment": "ok"},
                headers={"Idempotency-Key": uuid.uuid4().hex},
                name="W approve",
            )
