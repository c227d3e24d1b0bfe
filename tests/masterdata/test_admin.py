"""The master-data admin: every model registered and browsable, saves through the services (their
refusals shown on the form), no deletes of referenced records, object permissions on scope objects."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from apps.masterdata.models import (
    Company,
    Currency,
    ExchangeRate,
    ImportBatch,
    Item,
    ItemCategory,
    Location,
    MergeRecord,
    Partner,
    PartnerAddress,
    PartnerContact,
    PaymentTerms,
    TaxRate,
    UnitConversion,
    UnitOfMeasure,
    Warehouse,
)
from tests.factories import ItemFactory, LocationFactory, PartnerFactory, UserFactory, WarehouseFactory

MODELS = (
    Company,
    Currency,
    ExchangeRate,
    ImportBatch,
    Item,
    ItemCategory,
    Location,
    MergeRecord,
    Partner,
    PartnerAddress,
    PartnerContact,
    PaymentTerms,
    TaxRate,
    UnitConversion,
    UnitOfMeasure,
    Warehouse,
)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def site(client, superuser):
    client.force_login(superuser)
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:masterdata_{model._meta.model_name}_{view}", args=args)


def test_every_master_data_model_is_registered_with_history():
    from simple_history.admin import SimpleHistoryAdmin

    for model in MODELS:
        assert model in admin.site._registry, model
    historied = [model for model in MODELS if model not in (MergeRecord, ImportBatch)]
    assert all(isinstance(admin.site._registry[model], SimpleHistoryAdmin) for model in historied)


def test_lists_detail_history_and_permission_pages_render(site, company):
    partner = PartnerFactory(company=company)
    item = ItemFactory(company=company)
    warehouse = WarehouseFactory(company=company)
    location = LocationFactory(warehouse=warehouse)
    for model in MODELS:
        assert site.get(url(model, "changelist")).status_code == 200, model
    for record in (partner, item, warehouse, location, company):
        assert site.get(url(type(record), "change", record.pk)).status_code == 200
        assert site.get(url(type(record), "history", record.pk)).status_code == 200
    for record in (partner, warehouse, company):
        page = site.get(url(type(record), "permissions", record.pk))
        assert page.status_code == 200


def test_referenced_records_cannot_be_deleted_but_can_be_deactivated(site, company, superuser):
    item = ItemFactory(company=company)
    request = RequestFactory().get("/")
    request.user = superuser
    for model in (Item, Partner, Warehouse, Location, Company, Currency, UnitOfMeasure, TaxRate, PaymentTerms):
        assert admin.site._registry[model].has_delete_permission(request, None) is False
    assert admin.site._registry[ExchangeRate].has_delete_permission(request, None) is True

    response = site.post(url(Item, "changelist"), {"action": "deactivate", "_selected_action": [item.pk]})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.active is False
    assert item.history.first().history_change_reason == "Deactivated"
    assert item.history.first().history_user == superuser


def test_admin_creates_an_item_through_the_service(site, company, units, superuser):
    data = {
        "company": company.pk,
        "code": "",
        "name": "  Ｈｅｘ  bolt ",
        "item_type": "stock",
        "base_unit": units["PCS"].pk,
        "standard_price": "1.5",
        "reorder_point": "0",
        "reorder_quantity": "0",
        "lead_time_days": "0",
        "active": "on",
    }

    response = site.post(url(Item, "add"), data)

    assert response.status_code == 302
    item = Item.objects.get()
    assert item.code == "IT-000001"
    assert item.name == "Hex bolt"
    assert item.history.get().history_user == superuser


def test_admin_shows_the_service_refusal_on_the_form(site, company, uscc):
    tax_id = uscc("91350100M000100Y4")
    PartnerFactory(company=company, code="P1", name="Existing", tax_id=tax_id, tax_id_kind="uscc")
    data = {
        "company": company.pk,
        "code": "",
        "name": "Newcomer",
        "is_customer": "on",
        "tax_id_kind": "uscc",
        "tax_id": tax_id,
        "active": "on",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }

    response = site.post(url(Partner, "add"), data)

    assert response.status_code == 200
    assert "Another partner of this company already has this tax ID" in response.content.decode()
    assert Partner.objects.count() == 1


def test_admin_saves_partner_contacts_through_the_service(site, company, superuser):
    partner = PartnerFactory(company=company, name="Acme Trading")
    data = {
        "company": company.pk,
        "code": partner.code,
        "name": partner.name,
        "is_customer": "on",
        "tax_id_kind": "none",
        "tax_id": "",
        "currency": partner.currency_id,
        "active": "on",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "Li Wei",
        "contacts-0-phone": "13800000000",
    }

    response = site.post(url(Partner, "change", partner.pk), data)

    assert response.status_code == 302
    contact = PartnerContact.objects.get(partner=partner)
    assert contact.name == "Li Wei"
    assert contact.history.get().history_user == superuser
