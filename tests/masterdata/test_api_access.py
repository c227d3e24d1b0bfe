"""Who reaches what through the API: tokens and sessions, row scopes that answer 404, and model
permissions that answer 403."""

from apps.core.services import create_api_token, revoke_api_token
from apps.masterdata.models import Location
from tests.factories import CompanyFactory, ItemFactory, LocationFactory, WarehouseFactory

API = "/api/v1/masterdata/"


def test_a_token_opens_the_api_until_it_is_revoked(api_client, buyer, company):
    ItemFactory(company=company, code="BOLT")
    token, secret = create_api_token(user=buyer)
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    allowed = client.get(f"{API}items/")
    revoke_api_token(user=buyer, token_key=token.token_key)
    revoked = client.get(f"{API}items/")

    assert allowed.status_code == 200
    assert [item["code"] for item in allowed.json()["results"]] == ["BOLT"]
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"] == "Token"
    assert revoked.json()["error"]["code"] == "authentication_failed"


def test_a_request_without_credentials_or_with_a_made_up_token_is_401(api_client, db):
    anonymous = api_client().get(f"{API}items/")
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    made_up = client.get(f"{API}items/")

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    assert made_up.status_code == 401


def test_a_token_writes_as_its_user(api_client, buyer, units):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(user=buyer)[1]}")

    response = client.post(f"{API}items/", {"name": "Bolt", "base_unit": units["PCS"].pk})

    assert response.status_code == 201
    assert response.json()["code"] == "IT-000001"


def test_the_browser_session_works_too(api_client, buyer, company):
    client = api_client()
    client.force_login(buyer)

    assert client.get(f"{API}items/").status_code == 200


def test_a_user_of_one_warehouse_gets_404_for_another_warehouses_location(api_client, make_user, company):
    mine = WarehouseFactory(company=company, code="MAIN")
    theirs = WarehouseFactory(company=company, code="EAST")
    my_bin = LocationFactory(warehouse=mine, code="A-01")
    their_bin = LocationFactory(warehouse=theirs, code="B-01")
    keeper = make_user(roles=["warehouse_keeper"], companies=[company], warehouses=[mine])
    client = api_client(keeper)

    listed = client.get(f"{API}locations/").json()
    detail = client.get(f"{API}locations/{their_bin.pk}/")
    update = client.patch(f"{API}locations/{their_bin.pk}/", {"name": "Mine now"})
    history = client.get(f"{API}locations/{their_bin.pk}/history/")
    deactivate = client.post(f"{API}locations/{their_bin.pk}/deactivate/")

    assert [location["id"] for location in listed["results"]] == [my_bin.pk]
    assert (detail.status_code, update.status_code, history.status_code, deactivate.status_code) == (
        404,
        404,
        404,
        404,
    )
    assert detail.json()["error"]["code"] == "not_found"
    their_bin.refresh_from_db()
    assert (their_bin.name, their_bin.active) == ("", True)
    assert client.get(f"{API}locations/{my_bin.pk}/history/").status_code == 200


def test_a_keeper_adds_locations_only_to_their_own_warehouse(api_client, make_user, company):
    mine = WarehouseFactory(company=company)
    theirs = WarehouseFactory(company=company)
    zone = LocationFactory(warehouse=mine, code="Z1", kind=Location.Kind.ZONE)
    keeper = make_user(roles=["warehouse_keeper"], companies=[company], warehouses=[mine])
    client = api_client(keeper)

    added = client.post(f"{API}locations/", {"warehouse": mine.pk, "parent": zone.pk, "code": " z1-b01", "kind": "bin"})
    refused = client.post(f"{API}locations/", {"warehouse": theirs.pk, "code": "X"})

    assert added.status_code == 201
    location = Location.objects.get(pk=added.json()["id"])
    assert (location.code, location.parent, location.path) == ("Z1-B01", zone, f"{zone.path}{location.pk}/")
    assert added.json()["parent_detail"]["code"] == "Z1"
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["warehouse"][0]["code"] == "does_not_exist"
    assert not theirs.locations.exists()


def test_a_location_cannot_hang_under_a_bin(api_client, make_user, company):
    warehouse = WarehouseFactory(company=company)
    bin_location = LocationFactory(warehouse=warehouse, kind=Location.Kind.BIN)
    keeper = make_user(roles=["warehouse_keeper"], companies=[company], warehouses=[warehouse])

    response = api_client(keeper).post(
        f"{API}locations/", {"warehouse": warehouse.pk, "parent": bin_location.pk, "code": "X"}
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["parent"]


def test_rows_of_a_company_the_user_cannot_see_are_404(api_client, buyer, company):
    other = CompanyFactory(code="OTHER")
    hidden = ItemFactory(company=other, code="SECRET")
    ItemFactory(company=company, code="MINE")
    client = api_client(buyer)

    listed = client.get(f"{API}items/").json()

    assert [item["code"] for item in listed["results"]] == ["MINE"]
    assert client.get(f"{API}items/{hidden.pk}/").status_code == 404
    assert client.get(f"{API}items/{hidden.pk}/history/").status_code == 404
    assert client.patch(f"{API}items/{hidden.pk}/", {"name": "x"}).status_code == 404
    assert [row["code"] for row in client.get(f"{API}companies/").json()["results"]] == ["ACME"]
    assert client.get(f"{API}companies/{other.pk}/").status_code == 404


def test_a_missing_model_permission_is_403_even_for_a_visible_row(api_client, make_user, company):
    approver = make_user(roles=["approver"], companies=[company])
    warehouse = WarehouseFactory(company=company, name="Main")
    item = ItemFactory(company=company)
    client = api_client(approver)

    assert client.get(f"{API}items/{item.pk}/").status_code == 200
    assert client.patch(f"{API}items/{item.pk}/", {"name": "x"}).status_code == 403
    refused = client.post(f"{API}warehouses/", {"code": "NEW", "name": "New"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert client.get(f"{API}merge-records/").status_code == 403
    warehouse.refresh_from_db()
    assert warehouse.name == "Main"


def test_a_user_without_any_role_sees_nothing(api_client, make_user, company):
    nobody = make_user(companies=[company])
    ItemFactory(company=company)

    assert api_client(nobody).get(f"{API}items/").status_code == 403
