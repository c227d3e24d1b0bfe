"""Oversized bodies and impossible numbers are refused cleanly (a 4xx with the field named), and nothing is
written."""

import json
from datetime import date

import pytest
from django.conf import settings

from apps.inventory.models import StockAdjustment, StockMove
from apps.masterdata.models import Partner
from apps.production.models import BillOfMaterials, BomLine, MaterialIssue, ProductionOutput, WorkOrder
from apps.purchasing.models import PurchaseOrder
from apps.sales.models import SalesOrder

pytestmark = pytest.mark.django_db
TODAY = date.today().isoformat()
TWENTY_MB = 20 * 1024 * 1024

BAD_QUANTITIES = ["-1", "0", "1e30", str(10**20), "abc", "NaN", "Infinity"]
BAD_PRICES = ["-1", "1e30", str(10**20), "abc", "NaN", "Infinity"]


def test_the_upload_limit_is_below_twenty_megabytes():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < TWENTY_MB


def test_a_twenty_megabyte_api_body_is_refused_cleanly(world, admin_user, api_client):
    partners = Partner.objects.count()
    body = json.dumps({"company": world.company.pk, "is_customer": True, "name": "x" * TWENTY_MB})

    response = api_client(admin_user).generic(
        "POST", "/api/v1/masterdata/partners/", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert Partner.objects.count() == partners


def test_a_twenty_megabyte_form_post_is_refused_cleanly(world, admin_user, client):
    client.force_login(admin_user)
    partners = Partner.objects.count()

    response = client.post("/masterdata/partners/new/", {"code": "BIG", "name": "x" * TWENTY_MB, "is_customer": "on"})

    assert response.status_code in (400, 413)
    assert Partner.objects.count() == partners


def refused(response, field: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    fields = response.json()["error"]["fields"]
    assert any(name.endswith(field) for name in fields), fields


def purchase_order(world, **line) -> dict:
    return {
        "supplier": world.supplier.pk,
        "warehouse": world.warehouse.pk,
        "document_date": TODAY,
        "expected_date": TODAY,
        "lines": [{"item": world.item.pk, "quantity": "1", "price": "1", **line}],
    }


def sales_order(world, **line) -> dict:
    return {
        "company": world.company.pk,
        "customer": world.customer.pk,
        "warehouse": world.warehouse.pk,
        "document_date": TODAY,
        "lines": [{"item": world.item.pk, "quantity": "1", "price": "1", **line}],
    }


def adjustment(world, **line) -> dict:
    return {
        "warehouse": world.warehouse.pk,
        "reason": "count",
        "document_date": TODAY,
        "lines": [{"item": world.item.pk, "location": world.location.pk, "quantity": "1", "unit_cost": "1", **line}],
    }


def counts() -> tuple[int, int, int]:
    return PurchaseOrder.objects.count(), SalesOrder.objects.count(), StockAdjustment.objects.count()


def test_an_impossible_quantity_is_refused_with_the_field_named(world, admin_user, api_client):
    api = api_client(admin_user)
    before = counts()

    for quantity in BAD_QUANTITIES:
        refused(api.post("/api/v1/purchasing/orders/", purchase_order(world, quantity=quantity)), "quantity")
        refused(api.post("/api/v1/sales/orders/", sales_order(world, quantity=quantity)), "quantity")
        if quantity != "-1":  # a negative adjustment quantity takes stock out: that is what it is for
            refused(api.post("/api/v1/inventory/adjustments/", adjustment(world, quantity=quantity)), "quantity")

    assert counts() == before


def test_an_impossible_price_is_refused_with_the_field_named(world, admin_user, api_client):
    api = api_client(admin_user)
    before = counts()

    for price in BAD_PRICES:
        refused(api.post("/api/v1/purchasing/orders/", purchase_order(world, price=price)), "price")
        refused(api.post("/api/v1/sales/orders/", sales_order(world, price=price)), "price")
        refused(api.post("/api/v1/inventory/adjustments/", adjustment(world, unit_cost=price)), "unit_cost")

    assert counts() == before


def bom(world, **line) -> dict:
    return {
        "item": world.work_order.item_id,
        "version": "BAD",
        "lines": [{"component": world.item.pk, "quantity": "1", **line}],
    }


def work_order(world, quantity: str) -> dict:
    return {
        "item": world.work_order.item_id,
        "quantity": quantity,
        "due_date": TODAY,
        "warehouse": world.warehouse.pk,
    }


def issue(world, quantity: str) -> dict:
    return {"lines": [{"item": world.item.pk, "quantity": quantity, "from_location": world.location.pk}]}


def production_state(world) -> tuple:
    """How many production documents and stock moves there are, and the work order as stored."""
    return (
        BillOfMaterials.objects.count(),
        BomLine.objects.count(),
        WorkOrder.objects.count(),
        MaterialIssue.objects.count(),
        ProductionOutput.objects.count(),
        StockMove.objects.count(),
        WorkOrder.objects.filter(pk=world.work_order.pk).values().get(),
    )


def test_an_impossible_production_quantity_is_refused_with_the_field_named(world, admin_user, api_client):
    api = api_client(admin_user)
    orders = f"/api/v1/production/work-orders/{world.work_order.pk}"
    active_bom = f"/api/v1/production/boms/{world.work_order.bom_id}/"
    before = production_state(world)

    for quantity in BAD_QUANTITIES:
        refused(api.post("/api/v1/production/boms/", bom(world, quantity=quantity)), "quantity")
        refused(api.post("/api/v1/production/boms/", {**bom(world), "output_quantity": quantity}), "output_quantity")
        refused(api.patch(active_bom, bom(world, quantity=quantity)), "quantity")
        refused(api.post("/api/v1/production/work-orders/", work_order(world, quantity)), "quantity")
        refused(api.post(f"{orders}/issue/", issue(world, quantity)), "quantity")
        refused(api.post(f"{orders}/output/", {"quantity": quantity, "lot_number": "F9"}), "quantity")
        if quantity != "0":  # no scrap is the usual case
            refused(
                api.post(f"{orders}/output/", {"quantity": "1", "scrap_quantity": quantity, "scrap_reason": "x"}),
                "scrap_quantity",
            )

    assert production_state(world) == before


def test_an_impossible_scrap_percent_is_refused_with_the_field_named(world, admin_user, api_client):
    api = api_client(admin_user)
    before = production_state(world)

    for percent in ["-1", "100", "1e30", str(10**20), "abc", "NaN", "Infinity"]:
        refused(api.post("/api/v1/production/boms/", bom(world, scrap_percent=percent)), "scrap_percent")

    assert production_state(world) == before
