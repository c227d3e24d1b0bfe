"""The planning API: start a run and follow it, read planned orders with their pegging, convert;
permissions, scoping by warehouse (404 outside) and bad input."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.planning.models import MrpRun, PlannedOrder
from apps.purchasing.models import PurchaseRequisition
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db
RUNS = "/api/v1/planning/runs/"
ORDERS = "/api/v1/planning/planned-orders/"


@pytest.fixture
def run(bicycles, planner, api_client, django_capture_on_commit_callbacks) -> MrpRun:
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(planner).post(RUNS, {"horizon_days": 60}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    return MrpRun.objects.get(pk=response.json()["id"])


def test_a_run_started_over_the_api_reports_progress_and_as_of(run, planner, api_client):
    client = api_client(planner)
    progress = client.get(f"{RUNS}{run.pk}/progress/").json()
    assert progress["status"] == "done" and progress["progress_percent"] == 100 and progress["as_of"]
    detail = client.get(f"{RUNS}{run.pk}/").json()
    assert (detail["purchase_count"], detail["production_count"], detail["horizon_days"]) == (3, 2, 60)
    assert [entry["reason"] for entry in client.get(f"{RUNS}{run.pk}/history/").json()][:1] == ["Done"]


def test_planned_orders_filter_and_pegging(run, planner, api_client, bicycles):
    client = api_client(planner)
    purchases = client.get(ORDERS, {"run": run.pk, "kind": "purchase"}).json()
    assert sorted(row["item_detail"]["code"] for row in purchases["results"]) == ["BOLT", "TUBE", "WHEEL"]
    found = client.get(ORDERS, {"run": run.pk, "q": "bicycle"}).json()["results"]
    assert [row["item_detail"]["code"] for row in found] == ["BIKE"]
    late = client.get(ORDERS, {"run": run.pk, "late": "true"}).json()["results"]
    assert [row["item_detail"]["code"] for row in late] == ["BOLT"]
    bike = client.get(f"{ORDERS}{found[0]['id']}/").json()
    [pegging] = bike["peggings"]
    assert pegging["demand"] == "sales_order_line" and pegging["quantity"] == "8.000000"
    assert pegging["sales_order"]["number"] == bicycles.bike_order.number


def test_convert_over_the_api_then_twice_refused(run, planner, api_client):
    client = api_client(planner)
    ids = list(run.planned_orders.values_list("id", flat=True))
    response = client.post(f"{ORDERS}convert/", {"planned_orders": ids}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert len(body["requisitions"]) == 1 and len(body["work_orders"]) == 2
    assert body["requisitions"][0]["status"] == "draft"
    converted = client.get(f"{ORDERS}{ids[0]}/").json()
    assert converted["status"] == "converted" and (converted["requisition"] or converted["work_order_detail"])
    again = client.post(f"{ORDERS}convert/", {"planned_orders": ids[:1]}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_converted"
    assert PurchaseRequisition.objects.count() == 1


def test_bad_input_is_refused_with_field_errors(run, planner, api_client):
    client = api_client(planner)
    response = client.post(RUNS, {"horizon_days": 0}, format="json")
    assert response.status_code == 400 and "horizon_days" in response.json()["error"]["fields"]
    empty = client.post(f"{ORDERS}convert/", {"planned_orders": []}, format="json")
    assert empty.status_code == 400 and "planned_orders" in empty.json()["error"]["fields"]
    missing = client.post(f"{ORDERS}convert/", {"planned_orders": [999999]}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"]["planned_orders"][0]["code"] == "does_not_exist"
    with CaptureQueriesContext(connection) as queries:
        too_many = client.post(f"{ORDERS}convert/", {"planned_orders": list(range(1, 502))}, format="json")
    assert too_many.status_code == 400 and "at most 500" in str(too_many.json()["error"]["fields"]["planned_orders"])
    assert not any("planning_plannedorder" in query["sql"] for query in queries)  # refused before any lookup
    assert not PlannedOrder.objects.filter(status="converted").exists()


def test_scoping_by_warehouse_and_permissions(run, api_client, make_user, books):
    elsewhere = WarehouseFactory(company=books, code="FAR", name="Far away")
    outsider = make_user(username="outsider", roles=["production_planner"], companies=[books], warehouses=[elsewhere])
    client = api_client(outsider)
    order = run.planned_orders.first()
    assert client.get(f"{ORDERS}{order.pk}/").status_code == 404
    assert client.get(ORDERS, {"run": run.pk}).json()["count"] == 0
    converting = client.post(f"{ORDERS}convert/", {"planned_orders": [order.pk]}, format="json")
    assert converting.status_code == 400  # a planned order outside the scope reads as missing
    assert client.get(f"{RUNS}{run.pk}/").status_code == 200  # runs are the company's

    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books], warehouses=[order.warehouse])
    assert api_client(clerk).get(ORDERS).status_code == 403
    assert api_client(clerk).post(RUNS, {"horizon_days": 10}, format="json").status_code == 403

    buyer = make_user(username="buyer", roles=["buyer"], companies=[books], warehouses=[order.warehouse])
    buyer_client = api_client(buyer)
    assert buyer_client.get(f"{ORDERS}{order.pk}/").status_code == 200
    assert buyer_client.post(f"{ORDERS}convert/", {"planned_orders": [order.pk]}, format="json").status_code == 403
    assert run.planned_orders.filter(status="converted").count() == 0
    assert Decimal(buyer_client.get(f"{ORDERS}{order.pk}/").json()["quantity"]) == order.quantity
