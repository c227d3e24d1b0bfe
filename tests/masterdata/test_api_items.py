"""Items through the API: create and change through the services, validation in the shared error
shape, idempotent creation, If-Match, lists with filters, and a query budget that ignores page size."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.services import create_api_token
from apps.masterdata.models import Item, MergeRecord, UnitConversion
from tests.factories import CompanyFactory, ItemCategoryFactory, ItemFactory

ITEMS = "/api/v1/masterdata/items/"


def item_url(item_id: int, action: str = "") -> str:
    return f"{ITEMS}{item_id}/{action + '/' if action else ''}"


def test_buyer_creates_an_item_with_a_generated_code_and_normalised_name(api_client, buyer, company, units):
    response = api_client(buyer).post(
        ITEMS, {"name": "  Ｍ６  hex   bolt ", "base_unit": units["PCS"].pk, "standard_price": "0.35"}
    )

    assert response.status_code == 201
    body = response.json()
    item = Item.objects.get(pk=body["id"])
    assert (item.company, item.code, item.name) == (company, "IT-000001", "M6 hex bolt")
    assert item.standard_price == Decimal("0.35")
    assert body["code"] == "IT-000001"
    assert body["standard_price"] == "0.350000"
    assert body["company_detail"] == {"id": company.pk, "code": "ACME", "name": company.name}
    assert body["base_unit_detail"]["code"] == "PCS"
    created = item.history.get()
    assert (created.history_type, created.history_user) == ("+", buyer)


def test_history_endpoint_lists_each_change_with_the_api_user(api_client, buyer, company, units):
    client = api_client(buyer)
    item_id = client.post(ITEMS, {"name": "Washer", "base_unit": units["PCS"].pk}).json()["id"]
    client.patch(item_url(item_id), {"name": "Flat washer", "standard_price": "0.05"})

    entries = client.get(item_url(item_id, "history")).json()

    assert [entry["user"] for entry in entries] == ["buyer", "buyer"]
    assert [entry["kind"] for entry in entries] == ["~", "+"]
    changes = {change["field"]: (change["old"], change["new"]) for change in entries[0]["changes"]}
    assert changes["name"] == ("Washer", "Flat washer")
    assert changes["standard_price"] == ("0.000000", "0.050000")


def test_a_purchase_unit_without_a_known_conversion_asks_for_the_factor(api_client, buyer, units):
    client = api_client(buyer)
    item = {"name": "Screw box", "base_unit": units["PCS"].pk, "purchase_unit": units["BOX"].pk}

    refused = client.post(ITEMS, item)

    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["purchase_factor"]
    assert not Item.objects.exists()

    accepted = client.post(ITEMS, {**item, "purchase_factor": "12"})

    assert accepted.status_code == 201
    conversion = UnitConversion.objects.get(item_id=accepted.json()["id"])
    assert (conversion.from_unit, conversion.to_unit, conversion.factor) == (units["BOX"], units["PCS"], 12)


def test_shape_errors_name_their_fields(api_client, buyer, units):
    response = api_client(buyer).post(
        ITEMS, {"name": "", "base_unit": units["PCS"].pk, "standard_price": "-1", "item_type": "gadget"}
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"name", "standard_price", "item_type"}
    assert fields["standard_price"][0]["code"] == "min_value"
    assert fields["item_type"][0]["code"] == "invalid_choice"


def test_a_duplicate_code_is_refused_on_the_code_field(api_client, buyer, company, units):
    ItemFactory(company=company, code="BOLT-6")

    response = api_client(buyer).post(ITEMS, {"code": " bolt-6", "name": "Bolt", "base_unit": units["PCS"].pk})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["code"]
    assert Item.objects.count() == 1


def test_the_same_idempotency_key_and_body_create_one_item(api_client, buyer, units):
    client = api_client(buyer)
    body = {"name": "Nut M6", "base_unit": units["PCS"].pk}

    first = client.post(ITEMS, body, headers={"Idempotency-Key": "order-42"})
    replay = client.post(ITEMS, body, headers={"Idempotency-Key": "order-42"})
    other = client.post(ITEMS, {**body, "name": "Nut M8"}, headers={"Idempotency-Key": "order-42"})

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert list(Item.objects.values_list("name", flat=True)) == ["Nut M6"]


def test_an_update_with_a_stale_etag_is_refused(api_client, buyer, company):
    item = ItemFactory(company=company, name="Gear")
    client = api_client(buyer)
    etag = client.get(item_url(item.pk)).headers["ETag"]

    changed = client.patch(item_url(item.pk), {"name": "Spur gear"}, headers={"If-Match": etag})
    stale = client.patch(item_url(item.pk), {"name": "Bevel gear"}, headers={"If-Match": etag})

    assert changed.status_code == 200
    assert changed.headers["ETag"] == client.get(item_url(item.pk)).headers["ETag"] != etag
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    item.refresh_from_db()
    assert item.name == "Spur gear"


def test_the_company_is_required_when_the_user_sees_several(api_client, make_user, company, units):
    other = CompanyFactory(code="BETA")
    user = make_user(roles=["buyer"], companies=[company, other])
    client = api_client(user)

    missing = client.post(ITEMS, {"name": "Cog", "base_unit": units["PCS"].pk})
    chosen = client.post(ITEMS, {"name": "Cog", "base_unit": units["PCS"].pk, "company": other.pk})

    assert missing.status_code == 400
    assert missing.json()["error"]["fields"]["company"][0]["code"] == "required"
    assert chosen.status_code == 201
    assert Item.objects.get().company == other


def test_another_companys_rows_read_as_missing(api_client, buyer, units):
    hidden = CompanyFactory(code="HIDDEN")
    foreign_category = ItemCategoryFactory(company=hidden)
    client = api_client(buyer)

    in_hidden_company = client.post(ITEMS, {"name": "Cog", "base_unit": units["PCS"].pk, "company": hidden.pk})
    with_foreign_category = client.post(
        ITEMS, {"name": "Cog", "base_unit": units["PCS"].pk, "category": foreign_category.pk}
    )
    with_missing_category = client.post(ITEMS, {"name": "Cog", "base_unit": units["PCS"].pk, "category": 999999})

    assert in_hidden_company.status_code == 400
    assert in_hidden_company.json()["error"]["fields"]["company"][0]["code"] == "does_not_exist"
    foreign_error = with_foreign_category.json()["error"]["fields"]["category"][0]
    missing_error = with_missing_category.json()["error"]["fields"]["category"][0]
    assert foreign_error["code"] == missing_error["code"] == "does_not_exist"
    assert not Item.objects.exists()


def test_a_category_of_the_same_company_but_not_the_users_reads_as_missing(api_client, make_user, units):
    first, second = CompanyFactory(code="ONE"), CompanyFactory(code="TWO")
    user = make_user(roles=["buyer"], companies=[first, second])
    category_of_second = ItemCategoryFactory(company=second)

    response = api_client(user).post(
        ITEMS, {"name": "Cog", "base_unit": units["PCS"].pk, "company": first.pk, "category": category_of_second.pk}
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["category"][0]["code"] == "does_not_exist"


def test_an_item_never_moves_to_another_company(api_client, make_user, company):
    other = CompanyFactory(code="BETA")
    user = make_user(roles=["buyer"], companies=[company, other])
    item = ItemFactory(company=company)

    response = api_client(user).patch(item_url(item.pk), {"company": other.pk})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["company"][0]["code"] == "immutable"


def test_the_list_pages_filters_searches_and_orders(api_client, buyer, company):
    ItemFactory.create_batch(12, company=company, item_type=Item.ItemType.STOCK)
    ItemFactory(company=company, name="Hex bolt M6", code="HB-6", item_type=Item.ItemType.CONSUMABLE)
    ItemFactory(company=company, name="Hex nut M6", code="HN-6", barcode="6901234567892")
    client = api_client(buyer)

    page = client.get(ITEMS, {"page_size": 5, "page": 2}).json()
    hex_items = client.get(ITEMS, {"q": "hex", "ordering": "-name"}).json()
    consumables = client.get(ITEMS, {"item_type": "consumable"}).json()
    by_barcode = client.get(ITEMS, {"q": "69012345"}).json()

    assert page["count"] == 14
    assert len(page["results"]) == 5
    assert page["next"].endswith("page=3&page_size=5")
    assert [item["name"] for item in hex_items["results"]] == ["Hex nut M6", "Hex bolt M6"]
    assert [item["code"] for item in consumables["results"]] == ["HB-6"]
    assert [item["code"] for item in by_barcode["results"]] == ["HN-6"]


def test_the_page_size_is_capped_at_200(api_client, buyer, company):
    ItemFactory.create_batch(201, company=company)

    body = api_client(buyer).get(ITEMS, {"page_size": 1000}).json()

    assert body["count"] == 201
    assert len(body["results"]) == 200


def test_the_category_filter_includes_subcategories(api_client, buyer, company):
    fasteners = ItemCategoryFactory(company=company, code="FAST")
    bolts = ItemCategoryFactory(company=company, code="BOLT", parent=fasteners)
    ItemFactory(company=company, code="A", category=fasteners)
    ItemFactory(company=company, code="B", category=bolts)
    ItemFactory(company=company, code="C")

    body = api_client(buyer).get(ITEMS, {"category": fasteners.pk}).json()

    assert [item["code"] for item in body["results"]] == ["A", "B"]
    assert body["results"][1]["category_detail"] == {"id": bolts.pk, "code": "BOLT", "name": bolts.name}


def test_the_item_list_costs_the_same_queries_whatever_the_page_size(
    api_client, buyer, company, units, django_assert_max_num_queries
):
    category = ItemCategoryFactory(company=company)
    ItemFactory.create_batch(
        60, company=company, category=category, purchase_unit=units["BOX"], sales_unit=units["SET"], name="Bracket"
    )
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(user=buyer)[1]}")
    query = {"q": "bracket", "item_type": "stock", "category": category.pk}
    queries_per_page = {}
    client.get(ITEMS, query)  # warms the process-wide content-type cache, as in a running server

    for page_size in (10, 50):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(ITEMS, {**query, "page_size": page_size}).json()
        assert len(body["results"]) == page_size
        queries_per_page[page_size] = len(queries)

    assert queries_per_page[10] == queries_per_page[50]
    # token (2), the user's permissions (2), the category filter's lookup, count, page
    with django_assert_max_num_queries(7):
        client.get(ITEMS, {**query, "page_size": 50})


def test_deactivate_and_activate_keep_the_item_and_record_why(api_client, buyer, company):
    item = ItemFactory(company=company)
    client = api_client(buyer)

    deactivated = client.post(item_url(item.pk, "deactivate"), {"reason": "Replaced by the M8 model"})
    item.refresh_from_db()
    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    assert item.active is False
    assert item.history.latest().history_change_reason == "Replaced by the M8 model"

    reactivated = client.post(item_url(item.pk, "activate"))
    item.refresh_from_db()
    assert reactivated.json()["active"] is True
    assert item.active is True


def test_without_change_permission_the_visible_item_is_refused_with_403(api_client, clerk, company):
    item = ItemFactory(company=company, name="Gear")
    client = api_client(clerk)

    assert client.get(item_url(item.pk)).status_code == 200
    assert client.patch(item_url(item.pk), {"name": "Other"}).status_code == 403
    assert client.post(item_url(item.pk, "deactivate")).status_code == 403
    assert client.post(ITEMS, {"name": "New"}).status_code == 403
    item.refresh_from_db()
    assert (item.name, item.active) == ("Gear", True)


def test_merging_items_repoints_their_conversions_and_deactivates_the_duplicate(api_client, admin_user, company, units):
    kept = ItemFactory(company=company, code="BOLT-6", name="Bolt M6")
    duplicate = ItemFactory(company=company, code="B6", name="Bolt M6 (old)")
    conversion = UnitConversion.objects.create(
        item=duplicate, from_unit=units["BOX"], to_unit=units["PCS"], factor=Decimal(100)
    )

    response = api_client(admin_user).post(
        item_url(duplicate.pk, "merge"), {"into": kept.pk, "reason": "Entered twice"}
    )

    assert response.status_code == 200
    assert response.json()["kept_code"] == "BOLT-6"
    assert response.json()["merged_by_detail"]["username"] == "admin"
    conversion.refresh_from_db()
    duplicate.refresh_from_db()
    assert conversion.item == kept
    assert duplicate.active is False
    record = MergeRecord.objects.get()
    assert (record.merged_id, record.kept_id, record.merged_by, record.reason) == (
        duplicate.pk,
        kept.pk,
        admin_user,
        "Entered twice",
    )


def test_merging_needs_the_merge_permission(api_client, buyer, company):
    kept, duplicate = ItemFactory.create_batch(2, company=company)

    response = api_client(buyer).post(item_url(duplicate.pk, "merge"), {"into": kept.pk, "reason": "Twice"})

    assert response.status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.active is True
    assert not MergeRecord.objects.exists()


def test_similar_items_are_found_by_their_name_core(api_client, buyer, company):
    bolt = ItemFactory(company=company, name="Hex Bolt M6")
    ItemFactory(company=company, name="Washer")

    body = api_client(buyer).get(f"{ITEMS}similar/", {"name": "hex bolt"}).json()

    assert [candidate["id"] for candidate in body] == [bolt.pk]
