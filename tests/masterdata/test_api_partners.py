"""Partners through the API: nested addresses and contacts, tax-ID rules, the duplicate warning,
ownership scoping for salespeople, and merging."""

from django.contrib.auth.models import Permission

from apps.masterdata.models import MergeRecord, Partner, PartnerAddress
from apps.masterdata.services import grant_access
from tests.factories import PartnerFactory

PARTNERS = "/api/v1/masterdata/partners/"


def partner_url(partner_id: int, action: str = "") -> str:
    return f"{PARTNERS}{partner_id}/{action + '/' if action else ''}"


def test_a_partner_is_created_with_its_addresses_and_contacts(api_client, buyer, company, uscc):
    tax_id = uscc("91310115750000001")
    response = api_client(buyer).post(
        PARTNERS,
        {
            "name": "  上海 东方  贸易有限公司 ",
            "is_supplier": True,
            "tax_id": tax_id.lower(),
            "credit_limit": "50000",
            "addresses": [{"kind": "billing", "line": "1 Century Avenue", "city": "Shanghai", "is_default": True}],
            "contacts": [{"name": "Wang Li", "email": "wang@example.com", "is_primary": True}],
        },
    )

    assert response.status_code == 201
    body = response.json()
    partner = Partner.objects.get(pk=body["id"])
    assert (partner.code, partner.name, partner.tax_id, partner.tax_id_kind) == (
        "BP-00001",
        "上海 东方 贸易有限公司",
        tax_id,
        "uscc",
    )
    assert body["credit_limit"] == "50000.00"
    assert body["currency_detail"]["code"] == "CNY"
    assert body["duplicate_candidates"] == []
    assert [address["line"] for address in body["addresses"]] == ["1 Century Avenue"]
    assert list(partner.contacts.values_list("name", "is_primary")) == [("Wang Li", True)]
    assert partner.history.get().history_user == buyer
    assert partner.addresses.get().history.get().history_user == buyer


def test_a_similar_name_comes_back_as_a_duplicate_candidate(api_client, admin_user, company):
    existing = PartnerFactory(company=company, name="Acme Trading Co., Ltd.")

    response = api_client(admin_user).post(PARTNERS, {"name": "ACME Trading Limited", "is_customer": True})

    assert response.status_code == 201
    assert response.json()["duplicate_candidates"] == [
        {"id": existing.pk, "code": existing.code, "name": "Acme Trading Co., Ltd.", "active": True}
    ]
    assert Partner.objects.count() == 2


def test_a_wrong_check_digit_is_refused_on_the_tax_id(api_client, buyer, uscc):
    valid = uscc("91310115750000001")
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")

    response = api_client(buyer).post(PARTNERS, {"name": "Eastern Trading", "is_customer": True, "tax_id": wrong})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["tax_id"]
    assert f"expected {valid[-1]}" in error["fields"]["tax_id"][0]["message"]
    assert not Partner.objects.exists()


def test_the_same_tax_id_cannot_be_entered_twice(api_client, admin_user, company, uscc):
    tax_id = uscc("91310115750000001")
    PartnerFactory(company=company, tax_id=tax_id, tax_id_kind="uscc")

    response = api_client(admin_user).post(PARTNERS, {"name": "Someone Else", "is_customer": True, "tax_id": tax_id})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["tax_id"]
    assert Partner.objects.count() == 1


def test_a_partner_is_a_customer_or_a_supplier(api_client, buyer):
    response = api_client(buyer).post(PARTNERS, {"name": "Nobody"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["is_customer"]


def test_errors_in_nested_rows_name_the_row_and_field(api_client, buyer):
    response = api_client(buyer).post(
        PARTNERS,
        {
            "name": "Eastern Trading",
            "is_customer": True,
            "addresses": [{"line": "1 Road"}, {"city": "Suzhou"}],
            "contacts": [{"name": "Li", "email": "not-an-address"}],
        },
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"addresses.1.line", "contacts.0.email"}
    assert not Partner.objects.exists()


def test_an_update_replaces_the_addresses_it_is_given(api_client, admin_user, company):
    partner = PartnerFactory(company=company)
    kept = PartnerAddress.objects.create(partner=partner, line="Old line", city="Suzhou")
    dropped = PartnerAddress.objects.create(partner=partner, line="Closed depot")
    client = api_client(admin_user)

    response = client.patch(
        partner_url(partner.pk),
        {"addresses": [{"id": kept.pk, "line": "New line", "city": "Suzhou"}, {"line": "Second depot"}]},
    )

    assert response.status_code == 200
    assert sorted(partner.addresses.values_list("line", flat=True)) == ["New line", "Second depot"]
    assert partner.addresses.filter(pk=kept.pk).exists()
    assert not PartnerAddress.objects.filter(pk=dropped.pk).exists()
    assert "duplicate_candidates" in response.json()
    assert response.headers["ETag"] == client.get(partner_url(partner.pk)).headers["ETag"]


def test_an_update_without_addresses_leaves_them_alone(api_client, admin_user, company):
    partner = PartnerFactory(company=company)
    PartnerAddress.objects.create(partner=partner, line="Main office")

    response = api_client(admin_user).patch(partner_url(partner.pk), {"phone": "021-5555 0000"})

    assert response.status_code == 200
    assert list(partner.addresses.values_list("line", flat=True)) == ["Main office"]


def test_a_salesperson_sees_only_the_partners_they_own_or_were_granted(api_client, clerk, make_user, company):
    colleague = make_user(username="colleague", roles=["sales_clerk"], companies=[company])
    granted = PartnerFactory(company=company, name="Granted Ltd")
    PartnerFactory(company=company, name="Someone else's customer")
    grant_access(actor=None, holder=clerk, scope_object=granted)
    client = api_client(clerk)

    created = client.post(PARTNERS, {"name": "My New Customer", "is_customer": True})
    listed = client.get(PARTNERS).json()

    assert created.status_code == 201
    assert created.json()["owner_detail"]["username"] == "clerk"
    assert sorted(partner["name"] for partner in listed["results"]) == ["Granted Ltd", "My New Customer"]
    assert api_client(colleague).get(partner_url(created.json()["id"])).status_code == 404
    assert api_client(colleague).get(PARTNERS).json()["count"] == 0


def test_the_owner_must_be_able_to_see_the_company(api_client, buyer, make_user, company):
    outsider = make_user(username="outsider", roles=["sales_clerk"])

    response = api_client(buyer).post(PARTNERS, {"name": "Eastern", "is_customer": True, "owner": outsider.pk})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["owner"][0]["code"] == "does_not_exist"


def test_merging_partners_repoints_addresses_and_deactivates_the_duplicate(api_client, admin_user, company, uscc):
    kept = PartnerFactory(company=company, name="Eastern Trading Co., Ltd.")
    duplicate = PartnerFactory(company=company, name="Eastern Trading", tax_id=uscc("91310115750000001"))
    address = PartnerAddress.objects.create(partner=duplicate, line="2 Harbour Road")

    response = api_client(admin_user).post(
        partner_url(duplicate.pk, "merge"), {"into": kept.pk, "reason": "Same customer, entered twice"}
    )

    assert response.status_code == 200
    assert response.json()["references"] == {"masterdata.partneraddress.partner": 1}
    address.refresh_from_db()
    duplicate.refresh_from_db()
    assert address.partner == kept
    assert (duplicate.active, duplicate.tax_id) == (False, "")
    assert MergeRecord.objects.get().merged_by == admin_user
    assert duplicate.history.latest().history_user == admin_user


def test_a_partner_cannot_be_merged_into_one_the_user_cannot_see(api_client, make_user, company):
    merger = make_user(roles=["sales_clerk"], companies=[company])
    merger.user_permissions.add(*_permissions("merge_partner"))
    duplicate = PartnerFactory(company=company, owner=merger)
    hidden = PartnerFactory(company=company)
    grant_access(actor=None, holder=merger, scope_object=duplicate)

    response = api_client(merger).post(partner_url(duplicate.pk, "merge"), {"into": hidden.pk, "reason": "Twice"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["into"][0]["code"] == "does_not_exist"
    duplicate.refresh_from_db()
    assert duplicate.active is True


def test_merging_a_partner_into_itself_is_refused_on_into(api_client, admin_user, company):
    partner = PartnerFactory(company=company)

    response = api_client(admin_user).post(partner_url(partner.pk, "merge"), {"into": partner.pk, "reason": "x"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "merge_same"
    assert list(response.json()["error"]["fields"]) == ["into"]


def test_similar_partners_are_offered_as_the_user_types(api_client, admin_user, company):
    existing = PartnerFactory(company=company, name="北京华联商贸有限公司")
    PartnerFactory(company=company, name="Unrelated Supplies")

    body = api_client(admin_user).get(f"{PARTNERS}similar/", {"name": "北京华联商贸"}).json()

    assert [candidate["code"] for candidate in body] == [existing.code]


def test_deactivating_a_partner_keeps_it_listed_as_inactive(api_client, admin_user, company):
    partner = PartnerFactory(company=company)

    response = api_client(admin_user).post(partner_url(partner.pk, "deactivate"))

    assert response.status_code == 200
    body = api_client(admin_user).get(PARTNERS, {"active": "false"}).json()
    assert [row["id"] for row in body["results"]] == [partner.pk]


def _permissions(*codenames: str):
    return Permission.objects.filter(content_type__app_label="masterdata", codename__in=codenames)
