"""SQL and script payloads typed into every text field of the main documents are stored verbatim, answered
verbatim (as JSON strings) by the API, and rendered escaped on list and detail pages."""

from datetime import date
from html import escape

import pytest

from apps.masterdata.models import Item, Partner
from apps.purchasing.models import PurchaseOrder
from apps.sales.models import SalesOrder

pytestmark = pytest.mark.django_db
TODAY = date.today().isoformat()

PAYLOADS = ["'; DROP TABLE x;--", "<script>alert(1)</script>", '" onmouseover="x']


def created(response) -> dict:
    assert response.status_code == 201, response.json()
    return response.json()


def assert_rendered_escaped(page, payload: str) -> None:
    html = page.content.decode()
    assert page.status_code == 200
    assert escape(payload) in html, "the payload is not shown"
    if payload != escape(payload, quote=False):  # it has markup-significant characters
        assert payload not in html, "the payload reached the page unescaped"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_partner_and_item_names_are_stored_verbatim_and_shown_escaped(world, admin_user, api_client, client, payload):
    api = api_client(admin_user)
    partner = created(
        api.post("/api/v1/masterdata/partners/", {"company": world.company.pk, "name": payload, "is_customer": True})
    )
    item = created(
        api.post(
            "/api/v1/masterdata/items/",
            {"company": world.company.pk, "name": payload, "base_unit": world.item.base_unit_id},
        )
    )

    assert (Partner.objects.get(pk=partner["id"]).name, Item.objects.get(pk=item["id"]).name) == (payload, payload)
    assert api.get(f"/api/v1/masterdata/partners/{partner['id']}/").json()["name"] == payload
    assert api.get(f"/api/v1/masterdata/items/{item['id']}/").json()["name"] == payload
    client.force_login(admin_user)
    for page in ("/masterdata/partners/", f"/masterdata/partners/{partner['id']}/"):
        assert_rendered_escaped(client.get(page), payload)
    for page in ("/masterdata/items/", f"/masterdata/items/{item['id']}/"):
        assert_rendered_escaped(client.get(page), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_order_references_notes_and_line_descriptions_are_stored_verbatim_and_shown_escaped(
    world, admin_user, api_client, client, payload
):
    api = api_client(admin_user)
    line = {"item": world.item.pk, "quantity": "2", "price": "3", "description": payload}
    purchase = created(
        api.post(
            "/api/v1/purchasing/orders/",
            {
                "supplier": world.supplier.pk,
                "warehouse": world.warehouse.pk,
                "document_date": TODAY,
                "expected_date": TODAY,
                "supplier_reference": payload[:60],
                "note": payload,
                "lines": [line],
            },
        )
    )
    sale = created(
        api.post(
            "/api/v1/sales/orders/",
            {
                "company": world.company.pk,
                "customer": world.customer.pk,
                "warehouse": world.warehouse.pk,
                "document_date": TODAY,
                "customer_reference": payload[:60],
                "note": payload,
                "lines": [line],
            },
        )
    )

    po = PurchaseOrder.objects.get(pk=purchase["id"])
    so = SalesOrder.objects.get(pk=sale["id"])
    assert (po.supplier_reference, po.note, po.lines.get().description) == (payload, payload, payload)
    assert (so.customer_reference, so.note, so.lines.get().description) == (payload, payload, payload)
    po_body = api.get(f"/api/v1/purchasing/orders/{po.pk}/").json()
    so_body = api.get(f"/api/v1/sales/orders/{so.pk}/").json()
    assert (po_body["supplier_reference"], po_body["note"], po_body["lines"][0]["description"]) == (payload,) * 3
    assert (so_body["customer_reference"], so_body["note"], so_body["lines"][0]["description"]) == (payload,) * 3
    client.force_login(admin_user)
    assert_rendered_escaped(client.get(f"/purchasing/orders/{po.pk}/"), payload)
    assert_rendered_escaped(client.get(f"/sales/orders/{so.pk}/"), payload)
    assert_rendered_escaped(client.get("/purchasing/orders/", {"q": payload}), payload)
    assert_rendered_escaped(client.get("/sales/orders/", {"q": payload}), payload)
