from decimal import Decimal

import pytest

from apps.production.models import BillOfMaterials, WorkOrder
from tests.factories import WarehouseFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db
BASE = "/api/v1/production"


@pytest.fixture
def planner(make_user, books, warehouse):
    return make_user(username="planner", roles=["production_planner"], companies=[books], warehouses=[warehouse])


def test_a_planner_builds_and_runs_a_work_order(api_client, planner, plant_stock, frame, steel, warehouse, location):
    client = api_client(planner)
    bom = client.post(
        f"{BASE}/boms/",
        {
            "item": frame.pk,
            "version": "1",
            "activate": True,
            "lines": [{"component": steel.pk, "quantity": "2", "scrap_percent": "5"}],
        },
        format="json",
    )
    assert bom.status_code == 201, bom.content
    assert bom.json()["is_active"] and bom.json()["lines"][0]["base_quantity"] == "2.000000"
    cost = client.get(f"{BASE}/boms/{bom.json()['id']}/cost/").json()
    assert cost["material_cost"] == "6.30"

    created = client.post(
        f"{BASE}/work-orders/",
        {
            "item": frame.pk,
            "quantity": "10",
            "due_date": TODAY.isoformat(),
            "warehouse": warehouse.pk,
            "output_location": location.pk,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="wo-1",
    )
    assert created.status_code == 201, created.content
    order_id = created.json()["id"]
    replay = client.post(
        f"{BASE}/work-orders/",
        {
            "item": frame.pk,
            "quantity": "10",
            "due_date": TODAY.isoformat(),
            "warehouse": warehouse.pk,
            "output_location": location.pk,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="wo-1",
    )
    assert replay.json()["id"] == order_id and WorkOrder.objects.count() == 1

    released = client.post(f"{BASE}/work-orders/{order_id}/release/")
    assert released.json()["status"] == "released"
    assert released.json()["components"][0]["reserved_quantity"] == "21.000000"
    issue = client.post(
        f"{BASE}/work-orders/{order_id}/issue/", {"lines": [{"item": steel.pk, "quantity": "21"}]}, format="json"
    )
    assert issue.status_code == 201, issue.content
    assert issue.json()["total_value"] == "63.00"
    output = client.post(
        f"{BASE}/work-orders/{order_id}/output/", {"quantity": "10", "lot_number": "F1"}, format="json"
    )
    assert output.status_code == 201, output.content
    assert output.json()["value"] == "63.00" and output.json()["lot_detail"]["number"] == "F1"
    assert client.post(f"{BASE}/work-orders/{order_id}/complete/").json()["status"] == "done"
    closed = client.post(f"{BASE}/work-orders/{order_id}/close/").json()
    assert closed["status"] == "closed" and closed["variance"] == "0.00"
    assert [o["number"] for o in closed["outputs"]] == [output.json()["number"]]

    history = client.get(f"{BASE}/work-orders/{order_id}/history/").json()
    assert [entry["reason"] for entry in history][:2] == ["Closed with a variance of 0.00", "Completed"]
    assert client.get(f"{BASE}/outputs/?q=F1").json()["count"] == 1
    assert client.get(f"{BASE}/material-issues/{issue.json()['id']}/").json()["lines"][0]["quantity"] == "21.000000"


def test_a_cycle_is_refused_through_the_api(api_client, planner, frame, steel, frame_bom):
    response = api_client(planner).post(
        f"{BASE}/boms/",
        {
            "item": steel.pk,
            "version": "1",
            "lines": [{"component": frame.pk, "quantity": "1"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bom_cycle"
    assert "STEEL → FRAME → STEEL" in response.json()["error"]["message"]
    assert not BillOfMaterials.objects.filter(item=steel).exists()


def test_bad_input_is_refused_with_nothing_written(api_client, planner, frame, warehouse):
    response = api_client(planner).post(
        f"{BASE}/work-orders/",
        {
            "item": frame.pk,
            "quantity": "-1",
            "due_date": TODAY.isoformat(),
            "warehouse": warehouse.pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "quantity" in response.json()["error"]["fields"]
    assert not WorkOrder.objects.exists()


def test_a_work_order_outside_the_users_warehouses_answers_404(api_client, make_user, books, frame_order):
    elsewhere = WarehouseFactory(company=books, code="FAR")
    outsider = make_user(username="far", roles=["production_planner"], companies=[books], warehouses=[elsewhere])
    client = api_client(outsider)
    assert client.get(f"{BASE}/work-orders/{frame_order.pk}/").status_code == 404
    assert client.post(f"{BASE}/work-orders/{frame_order.pk}/release/").status_code == 404
    assert client.get(f"{BASE}/work-orders/").json()["count"] == 0


def test_a_sales_clerk_may_read_but_not_release(api_client, make_user, books, warehouse, frame_order):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books], warehouses=[warehouse])
    client = api_client(clerk)
    assert client.get(f"{BASE}/work-orders/{frame_order.pk}/").status_code == 200
    assert client.post(f"{BASE}/work-orders/{frame_order.pk}/release/").status_code == 403
    frame_order.refresh_from_db()
    assert frame_order.status == WorkOrder.Status.DRAFT


def test_list_query_count_does_not_grow_with_rows(
    api_client, planner, admin_user, books, frame, warehouse, django_assert_max_num_queries
):
    from apps.production import services

    for _n in range(5):
        services.create_work_order(
            actor=admin_user, company=books, item=frame, quantity=Decimal("1"), due_date=TODAY, warehouse=warehouse
        )
    with django_assert_max_num_queries(12):
        assert api_client(planner).get(f"{BASE}/work-orders/").json()["count"] == 5


def test_a_warehouse_keeper_issues_but_does_not_release(
    api_client, make_user, books, warehouse, plant_stock, frame_order, steel, location, admin_user
):
    from apps.production import services

    keeper = make_user(username="keeper", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])
    client = api_client(keeper)
    assert client.post(f"{BASE}/work-orders/{frame_order.pk}/release/").status_code == 403
    services.release_work_order(actor=admin_user, work_order=frame_order)
    issued = client.post(
        f"{BASE}/work-orders/{frame_order.pk}/issue/",
        {"lines": [{"item": steel.pk, "quantity": "5", "from_location": location.pk}]},
        format="json",
    )
    assert issued.status_code == 201 and issued.json()["total_value"] == "15.00"


def test_a_bom_version_frozen_on_a_released_order_cannot_be_edited(
    api_client, planner, admin_user, plant_stock, frame_order, frame_bom, steel
):
    from apps.production import services

    client = api_client(planner)
    edited = client.patch(f"{BASE}/boms/{frame_bom.pk}/", {"notes": "thinner tube"}, format="json")
    assert edited.status_code == 200 and edited.json()["notes"] == "thinner tube"
    services.release_work_order(actor=admin_user, work_order=frame_order)
    refused = client.patch(f"{BASE}/boms/{frame_bom.pk}/", {"output_quantity": "2"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "bom_in_use"
    frame_bom.refresh_from_db()
    assert frame_bom.output_quantity == 1
    history = client.get(f"{BASE}/boms/{frame_bom.pk}/history/").json()
    assert [entry["reason"] for entry in history][:2] == ["Edited", "Activated"]
