"""Reference data, categories, warehouses and the read-only records through the API."""

from datetime import date
from decimal import Decimal

from apps.masterdata.models import Currency, ExchangeRate, ItemCategory, UnitConversion, Warehouse
from apps.masterdata.services import merge_partners
from tests.factories import CompanyFactory, ItemCategoryFactory, ItemFactory, PartnerFactory

API = "/api/v1/masterdata/"


def test_reference_lists_search_with_q(api_client, buyer):
    client = api_client(buyer)

    units = client.get(f"{API}units/", {"q": "box"}).json()
    rates = client.get(f"{API}tax-rates/", {"ordering": "rate"}).json()
    terms = client.get(f"{API}payment-terms/").json()

    assert [unit["code"] for unit in units["results"]] == ["BOX"]
    assert [rate["rate"] for rate in rates["results"]] == ["0.00", "6.00", "9.00", "13.00"]
    assert [term["code"] for term in terms["results"]] == ["NOW", "NET30", "NET60", "NET90"]


def test_an_administrator_adds_a_currency_with_a_normalised_code(api_client, admin_user):
    response = api_client(admin_user).post(f"{API}currencies/", {"code": " sgd", "name": "Singapore Dollar"})

    assert response.status_code == 201
    currency = Currency.objects.get(pk=response.json()["id"])
    assert (currency.code, currency.history.get().history_user) == ("SGD", admin_user)


def test_an_existing_currency_code_is_refused_on_the_code(api_client, admin_user):
    response = api_client(admin_user).post(f"{API}currencies/", {"code": "usd", "name": "Dollar again"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["code"]
    assert Currency.objects.filter(code="USD").count() == 1


def test_an_accountant_records_an_exchange_rate(api_client, make_user, company):
    accountant = make_user(roles=["accountant"], companies=[company])
    usd, cny = Currency.objects.get(code="USD"), Currency.objects.get(code="CNY")
    client = api_client(accountant)

    added = client.post(
        f"{API}exchange-rates/",
        {"currency": usd.pk, "quote_currency": cny.pk, "rate_date": "2026-01-02", "rate": "7.12345678"},
    )
    same_pair = client.post(
        f"{API}exchange-rates/", {"currency": usd.pk, "quote_currency": usd.pk, "rate_date": "2026-01-02", "rate": "1"}
    )
    zero = client.post(
        f"{API}exchange-rates/", {"currency": usd.pk, "quote_currency": cny.pk, "rate_date": "2026-01-03", "rate": "0"}
    )

    assert added.status_code == 201
    assert added.json()["rate"] == "7.12345678"
    assert added.json()["currency_detail"]["code"] == "USD"
    rate = ExchangeRate.objects.get()
    assert (rate.rate_date, rate.rate) == (date(2026, 1, 2), Decimal("7.12345678"))
    assert list(same_pair.json()["error"]["fields"]) == ["quote_currency"]
    assert list(zero.json()["error"]["fields"]) == ["rate"]


def test_a_general_unit_conversion_is_unique_per_pair(api_client, admin_user, units):
    client = api_client(admin_user)
    body = {"from_unit": units["BOX"].pk, "to_unit": units["PCS"].pk, "factor": "24"}

    first = client.post(f"{API}unit-conversions/", body)
    second = client.post(f"{API}unit-conversions/", body)

    assert first.status_code == 201
    assert first.json()["item"] is None
    assert second.status_code == 400
    assert list(second.json()["error"]["fields"]) == ["non_field_errors"]
    assert UnitConversion.objects.filter(from_unit=units["BOX"], item=None).count() == 1


def test_an_item_conversion_names_a_visible_item(api_client, buyer, company, units):
    hidden_item = ItemFactory(company=CompanyFactory(code="HIDDEN"))

    response = api_client(buyer).post(
        f"{API}unit-conversions/",
        {"item": hidden_item.pk, "from_unit": units["BOX"].pk, "to_unit": units["PCS"].pk, "factor": "6"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["item"][0]["code"] == "does_not_exist"


def test_categories_form_a_tree_inside_one_company(api_client, admin_user, company):
    foreign = ItemCategoryFactory(company=CompanyFactory(code="OTHER"))
    client = api_client(admin_user)

    root = client.post(f"{API}item-categories/", {"code": "raw", "name": "Raw material", "company": company.pk})
    child = client.post(
        f"{API}item-categories/", {"code": "steel", "name": "Steel", "parent": root.json()["id"], "company": company.pk}
    )
    across = client.post(
        f"{API}item-categories/", {"code": "x", "name": "X", "parent": foreign.pk, "company": company.pk}
    )

    assert (root.status_code, child.status_code) == (201, 201)
    steel = ItemCategory.objects.get(pk=child.json()["id"])
    assert steel.path == f"/{root.json()['id']}/{steel.pk}/"
    assert child.json()["parent_detail"]["code"] == "RAW"
    assert across.json()["error"]["fields"]["parent"][0]["code"] == "does_not_exist"


def test_a_category_cannot_move_under_its_own_child(api_client, admin_user, company):
    parent = ItemCategoryFactory(company=company)
    child = ItemCategoryFactory(company=company, parent=parent)

    response = api_client(admin_user).patch(f"{API}item-categories/{parent.pk}/", {"parent": child.pk})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["parent"]


def test_an_administrator_adds_a_warehouse_to_the_only_company(api_client, admin_user, company):
    response = api_client(admin_user).post(f"{API}warehouses/", {"code": "east ", "name": "East depot"})

    assert response.status_code == 201
    warehouse = Warehouse.objects.get(pk=response.json()["id"])
    assert (warehouse.company, warehouse.code) == (company, "EAST")


def test_merge_records_and_import_batches_are_read_only(api_client, admin_user, company):
    kept, duplicate = PartnerFactory.create_batch(2, company=company)
    merge_partners(actor=admin_user, merged=duplicate, kept=kept, reason="Twice")
    client = api_client(admin_user)

    records = client.get(f"{API}merge-records/", {"kind": "partner"}).json()

    assert [(row["merged_code"], row["kept_code"]) for row in records["results"]] == [(duplicate.code, kept.code)]
    assert client.post(f"{API}merge-records/", {}).status_code == 405
    assert client.get(f"{API}import-batches/").json()["count"] == 0
    assert client.put(f"{API}import-batches/1/", {}).status_code == 405


def test_records_are_never_deleted_through_the_api(api_client, admin_user, company):
    item = ItemFactory(company=company)

    response = api_client(admin_user).delete(f"{API}items/{item.pk}/")

    assert response.status_code == 405
    item.refresh_from_db()
