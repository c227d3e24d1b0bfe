"""Production browser pages: BOM form with inline lines and its cost roll-up, the work order's status
actions, issue and output forms, flow and history; a user outside the warehouse gets 404."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.production import services
from apps.production.models import BillOfMaterials, WorkOrder
from tests.factories import WarehouseFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(make_user, books, warehouse):
    return make_user(username="planner", roles=["production_planner"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def signed_in(client, planner):
    client.force_login(planner)
    return client


def lines_data(rows: list[dict], *, initial: int = 0) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{name}": str(value) for name, value in row.items()})
    return data


def test_a_bom_is_entered_with_inline_lines_and_shows_its_cost(signed_in, plant_stock, frame, steel):
    response = signed_in.post(
        reverse("production:bom-create"),
        {
            "item": frame.pk,
            "version": "1",
            "output_quantity": "1",
            "activate": "on",
            **lines_data([{"component": steel.pk, "quantity": "2", "scrap_percent": "5"}]),
        },
    )
    assert response.status_code == 302, response.content.decode()
    bom = BillOfMaterials.objects.get(item=frame)
    assert response.status_code == 302 and bom.is_active and bom.lines.get().base_quantity == Decimal("2")
    page = signed_in.get(reverse("production:bom-detail", args=[bom.pk]))
    assert page.status_code == 200
    assert 'id="cost-rollup"' in page.content.decode() and page.context["rollup"].material_cost == Decimal("6.30")


def test_a_cycle_comes_back_on_the_form(signed_in, frame, steel, frame_bom):
    response = signed_in.post(
        reverse("production:bom-create"),
        {
            "item": steel.pk,
            "version": "1",
            "output_quantity": "1",
            **lines_data([{"component": frame.pk, "quantity": "1"}]),
        },
    )
    assert response.status_code == 200
    assert "STEEL → FRAME → STEEL" in response.content.decode()
    assert not BillOfMaterials.objects.filter(item=steel).exists()


def test_a_work_order_is_run_from_its_page(signed_in, planner, plant_stock, frame_order, steel, location):
    detail = reverse("production:work-order-detail", args=[frame_order.pk])
    signed_in.post(reverse("production:work-order-action", args=[frame_order.pk, "release"]))
    frame_order.refresh_from_db()
    assert frame_order.status == WorkOrder.Status.RELEASED
    issue_page = signed_in.get(reverse("production:work-order-issue", args=[frame_order.pk]))
    assert issue_page.status_code == 200
    response = signed_in.post(
        reverse("production:work-order-issue", args=[frame_order.pk]),
        {
            "posting_date": TODAY.isoformat(),
            "note": "",
            **lines_data([{"item": steel.pk, "quantity": "21"}], initial=1),
        },
    )
    assert response.status_code == 302
    response = signed_in.post(
        reverse("production:work-order-output", args=[frame_order.pk]),
        {"quantity": "10", "lot_number": "F1", "posting_date": TODAY.isoformat()},
    )
    assert response.status_code == 302
    frame_order.refresh_from_db()
    assert frame_order.output_quantity == Decimal("10") and frame_order.output_value == Decimal("63.00")
    page = signed_in.get(detail).content.decode()
    assert 'id="production-flow"' in page and frame_order.outputs.get().number in page
    history = signed_in.get(detail + "?tab=history").content.decode()
    assert "Released with version 1" in history


def test_output_without_a_lot_for_a_tracked_item_is_refused_on_the_form(signed_in, plant_stock, frame_order):
    signed_in.post(reverse("production:work-order-action", args=[frame_order.pk, "release"]))
    response = signed_in.post(
        reverse("production:work-order-output", args=[frame_order.pk]),
        {"quantity": "1", "posting_date": TODAY.isoformat()},
    )
    assert response.status_code == 200 and "enter the lot number" in response.content.decode()
    assert not frame_order.outputs.exists()


def test_lists_search_and_scope(signed_in, client, make_user, books, admin_user, frame, warehouse, frame_order):
    page = signed_in.get(reverse("production:work-order-list"), {"q": frame_order.number})
    assert [order.pk for order in page.context["object_list"]] == [frame_order.pk]
    elsewhere = WarehouseFactory(company=books, code="FAR")
    outsider = make_user(username="far", roles=["production_planner"], companies=[books], warehouses=[elsewhere])
    client.force_login(outsider)
    assert client.get(reverse("production:work-order-detail", args=[frame_order.pk])).status_code == 404
    assert frame_order.number not in client.get(reverse("production:work-order-list")).content.decode()


def test_a_work_order_form_creates_a_draft(signed_in, books, frame, warehouse, frame_bom):
    response = signed_in.post(
        reverse("production:work-order-create"),
        {"item": frame.pk, "quantity": "5", "warehouse": warehouse.pk, "due_date": TODAY.isoformat()},
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and order.status == WorkOrder.Status.DRAFT and order.quantity == 5
    assert services.release_work_order(actor=order.created_by, work_order=order).bom == frame_bom


def test_every_production_page_renders(signed_in, admin_user, plant_stock, frame_order, frame_bom, steel, location):
    services.release_work_order(actor=admin_user, work_order=frame_order)
    issue = services.issue_materials(
        actor=admin_user, work_order=frame_order, lines=[services.IssueLine(steel, Decimal("21"), location)]
    )
    output = services.post_output(actor=admin_user, work_order=frame_order, quantity=Decimal("10"), lot_number="F1")
    pages = [
        reverse("production:bom-list"),
        reverse("production:bom-edit", args=[frame_bom.pk]),
        reverse("production:bom-detail", args=[frame_bom.pk]) + "?tab=history",
        reverse("production:work-order-list") + "?status_group=active",
        reverse("production:work-order-create"),
        reverse("production:work-order-output", args=[frame_order.pk]),
        reverse("production:issue-list") + "?q=" + issue.number,
        reverse("production:issue-detail", args=[issue.pk]),
        reverse("production:output-list") + "?export=csv",
        reverse("production:output-detail", args=[output.pk]),
    ]
    for url in pages:
        assert signed_in.get(url).status_code == 200, url
    assert "F1" in signed_in.get(reverse("production:output-list")).content.decode()
