"""Planning pages: start a run, watch it, review and convert its planned orders."""

import pytest
from django.test import Client

from apps.planning.models import MrpRun, PlannedOrder
from apps.production.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client(planner) -> Client:
    client = Client()
    client.force_login(planner)
    return client


def test_start_a_run_review_and_convert_in_the_browser(
    bicycles, browser_client, warehouse, django_capture_on_commit_callbacks
):
    assert "Planning" in browser_client.get("/").content.decode()
    assert browser_client.get("/planning/runs/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = browser_client.post(
            "/planning/runs/new/", {"horizon_days": "60", "reorder_warehouse": str(warehouse.pk)}
        )
    run = MrpRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/planning/runs/{run.pk}/"
    page = browser_client.get(response["Location"]).content.decode()
    assert "Planned from the data as of" in page and "BIKE" in page and "Convert selected" in page

    progress = browser_client.get(f"/planning/runs/{run.pk}/progress/", headers={"HX-Request": "true"})
    assert progress["HX-Refresh"] == "true"  # finished: the polling page reloads to show the orders

    bike = run.planned_orders.get(item=bicycles.bike)
    detail = browser_client.get(f"/planning/planned-orders/{bike.pk}/").content.decode()
    assert bicycles.bike_order.number in detail

    response = browser_client.post(
        "/planning/planned-orders/convert/",
        {"planned_orders": [bike.pk], "next": f"/planning/runs/{run.pk}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/planning/runs/{run.pk}/"
    bike.refresh_from_db()
    assert bike.status == PlannedOrder.Status.CONVERTED and bike.work_order.source == WorkOrder.Source.MRP
    listing = browser_client.get("/planning/planned-orders/", {"run": run.pk, "kind": "production", "q": "bike"})
    assert bike.work_order.number in listing.content.decode()
    export = browser_client.get("/planning/planned-orders/", {"export": "csv"})
    assert export["Content-Type"].startswith("text/csv") and "BIKE" in export.content.decode()


def test_a_form_error_and_an_outsider(bicycles, browser_client, make_user, books):
    response = browser_client.post("/planning/runs/new/", {"horizon_days": "0"})
    assert response.status_code == 200 and not MrpRun.objects.exists()
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books])
    client = Client()
    client.force_login(clerk)
    assert client.get("/planning/runs/").status_code == 403
