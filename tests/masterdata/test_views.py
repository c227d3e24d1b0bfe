"""Master-data browser pages: lists, forms through the services, scoping, history, duplicates, merge."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.models import SecurityEvent
from apps.masterdata import services
from apps.masterdata.models import (
    Currency,
    Item,
    Location,
    MergeRecord,
    Partner,
    PartnerAddress,
    PartnerContact,
    TaxRate,
    UnitConversion,
    Warehouse,
)
from tests.factories import (
    CompanyFactory,
    ItemCategoryFactory,
    ItemFactory,
    LocationFactory,
    PartnerFactory,
    WarehouseFactory,
)

DUPLICATE_TAX_ID = (
    "Another partner of this company already has this tax ID; the same partner cannot be entered twice."
    " Search for it (or ask an administrator to merge the duplicates)."
)


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def item_data(units, **fields) -> dict:
    data = {
        "name": "Hex bolt M8",
        "item_type": "stock",
        "base_unit": units["PCS"].pk,
        "standard_price": "1.50",
        "reorder_point": "0",
        "reorder_quantity": "0",
        "lead_time_days": "0",
    }
    return {**data, **fields}


def partner_data(company, **fields) -> dict:
    data = {
        "company": company.pk,
        "name": "Shanghai Rivet Co., Ltd.",
        "is_customer": "on",
        "tax_id_kind": "none",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }
    return {**data, **fields}


# --- Lists ------------------------------------------------------------------------------------------


def test_item_list_searches_filters_and_sorts(admin, company):
    ItemFactory(company=company, code="A-1", name="Hex bolt M8")
    ItemFactory(company=company, code="A-2", name="Hex nut M8", item_type=Item.ItemType.CONSUMABLE)
    ItemFactory(company=company, code="B-1", name="Washer")

    searched = admin.get(reverse("masterdata:item-list"), {"q": "hex"})
    filtered = admin.get(reverse("masterdata:item-list"), {"q": "hex", "item_type": "consumable"})
    by_name_desc = admin.get(reverse("masterdata:item-list"), {"sort": "-name"})

    assert [item.code for item in searched.context["object_list"]] == ["A-1", "A-2"]
    assert [item.code for item in filtered.context["object_list"]] == ["A-2"]
    assert [item.name for item in by_name_desc.context["object_list"]] == ["Washer", "Hex nut M8", "Hex bolt M8"]
    assert "Hex nut M8" in filtered.content.decode()


def test_item_list_ignores_an_unknown_sort(admin, company):
    ItemFactory(company=company, code="B")
    ItemFactory(company=company, code="A")

    response = admin.get(reverse("masterdata:item-list"), {"sort": "company__name;drop"})

    assert [item.code for item in response.context["object_list"]] == ["A", "B"]


def test_item_list_pages_by_fifty(admin, company):
    ItemFactory.create_batch(55, company=company)

    first = admin.get(reverse("masterdata:item-list"))
    second = admin.get(reverse("masterdata:item-list"), {"page": 2})

    assert len(first.context["object_list"]) == 50
    assert len(second.context["object_list"]) == 5
    assert "Page 1 of 2" in first.content.decode()


def test_item_list_shows_only_the_users_companies(client, buyer, company):
    ItemFactory(company=company, name="Ours")
    ItemFactory(company=CompanyFactory(code="ELSE"), name="Theirs")
    client.force_login(buyer)

    response = client.get(reverse("masterdata:item-list"))

    assert [item.name for item in response.context["object_list"]] == ["Ours"]


@pytest.mark.parametrize("rows", [3, 40])
def test_item_list_query_count_does_not_grow_with_rows(admin, company, rows, django_assert_max_num_queries):
    category = ItemCategoryFactory(company=company)
    ItemFactory.create_batch(rows, company=company, category=category)

    with django_assert_max_num_queries(10):
        response = admin.get(reverse("masterdata:item-list"), {"q": "Item", "active": "true"})

    assert len(response.context["object_list"]) == rows


@pytest.mark.parametrize("rows", [3, 40])
def test_partner_and_location_lists_query_count_does_not_grow(admin, company, rows, django_assert_max_num_queries):
    PartnerFactory.create_batch(rows, company=company)
    zone = LocationFactory(warehouse=WarehouseFactory(company=company), kind=Location.Kind.ZONE)
    LocationFactory.create_batch(rows, warehouse=zone.warehouse, parent=zone)

    with django_assert_max_num_queries(10):
        partners = admin.get(reverse("masterdata:partner-list"))
    with django_assert_max_num_queries(10):
        locations = admin.get(reverse("masterdata:location-list"))

    assert len(partners.context["object_list"]) == rows
    assert len(locations.context["object_list"]) == rows + 1


def test_item_export_has_only_visible_filtered_rows_and_is_logged(client, buyer, company):
    ItemFactory(company=company, code="HEX-1", name="Hex bolt")
    ItemFactory(company=company, code="WSH-1", name="Washer")
    ItemFactory(company=CompanyFactory(code="ELSE"), code="HEX-9", name="Hex elsewhere")
    client.force_login(buyer)

    response = client.get(reverse("masterdata:item-list"), {"q": "hex", "export": "csv"})

    assert response.status_code == 200
    rows = csv_rows(response)
    codes = [row[rows[0].index("code")] for row in rows[1:]]
    assert codes == ["HEX-1"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, user=buyer).exists()


def test_reference_list_exports_csv_with_bom_and_xlsx(admin, admin_user):
    csv_response = admin.get(reverse("masterdata:tax-rate-list"), {"export": "csv"})
    xlsx_response = admin.get(reverse("masterdata:currency-list"), {"q": "CNY", "export": "xlsx"})

    assert csv_response.content.startswith("\ufeff".encode())
    rows = csv_rows(csv_response)
    assert rows[0] == ["Code", "Name", "Rate (%)", "Active"]
    assert ["VAT13", "增值税 13%", "13.00", "Yes"] in rows
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [cell.value for cell in sheet[2]] == ["CNY", "人民币", "¥", 2, "Yes"]
    assert sheet.max_row == 2
    assert 'attachment; filename="currencies-' in xlsx_response["Content-Disposition"]
    exports = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, user=admin_user)
    assert sorted((event.detail["list"], event.detail["format"]) for event in exports) == [
        ("currencies", "xlsx"),
        ("tax-rates", "csv"),
    ]


def test_category_and_location_lists_indent_the_tree(admin, company):
    root = ItemCategoryFactory(company=company, name="Fasteners")
    ItemCategoryFactory(company=company, name="Bolts", parent=root)
    warehouse = WarehouseFactory(company=company)
    zone = LocationFactory(warehouse=warehouse, code="Z1", kind=Location.Kind.ZONE)
    LocationFactory(warehouse=warehouse, code="Z1-B1", parent=zone)

    categories = admin.get(reverse("masterdata:category-list"))
    locations = admin.get(reverse("masterdata:location-list"))

    assert [(row.obj.name, row.cells[0].depth) for row in categories.context["rows"]] == [
        ("Fasteners", 0),
        ("Bolts", 1),
    ]
    assert [(row.obj.code, row.cells[1].depth) for row in locations.context["rows"]] == [("Z1", 0), ("Z1-B1", 1)]
    assert "--depth: 1" in locations.content.decode()


# --- Permissions and scope ---------------------------------------------------------------------------


def test_missing_model_permission_is_403(client, make_user, company):
    nobody = make_user(username="nobody", companies=[company])
    item = ItemFactory(company=company)
    client.force_login(nobody)

    assert client.get(reverse("masterdata:item-list")).status_code == 403
    assert client.get(reverse("masterdata:item-detail", args=[item.pk])).status_code == 403


def test_clerk_cannot_create_items(client, clerk):
    client.force_login(clerk)

    assert client.get(reverse("masterdata:item-create")).status_code == 403


def test_row_outside_the_users_scope_is_404(client, buyer):
    item = ItemFactory(company=CompanyFactory(code="ELSE"))
    client.force_login(buyer)

    assert client.get(reverse("masterdata:item-detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("masterdata:item-edit", args=[item.pk])).status_code == 404


def test_user_scoped_to_one_warehouse_gets_404_for_another_warehouses_location(client, make_user, company):
    mine = WarehouseFactory(company=company, code="MINE")
    other = WarehouseFactory(company=company, code="OTHER")
    my_bin = LocationFactory(warehouse=mine)
    their_bin = LocationFactory(warehouse=other)
    keeper = make_user(username="keeper", roles=["warehouse_keeper"], companies=[company], warehouses=[mine])
    client.force_login(keeper)

    assert client.get(reverse("masterdata:location-detail", args=[my_bin.pk])).status_code == 200
    assert client.get(reverse("masterdata:location-edit", args=[my_bin.pk])).status_code == 200
    assert client.get(reverse("masterdata:location-detail", args=[their_bin.pk])).status_code == 404
    assert client.get(reverse("masterdata:location-edit", args=[their_bin.pk])).status_code == 404
    listed = client.get(reverse("masterdata:location-list")).context["object_list"]
    assert [location.pk for location in listed] == [my_bin.pk]


def test_location_form_offers_only_visible_warehouses(client, make_user, company):
    mine = WarehouseFactory(company=company, code="MINE")
    WarehouseFactory(company=company, code="OTHER")
    keeper = make_user(username="keeper", roles=["warehouse_keeper"], companies=[company], warehouses=[mine])
    client.force_login(keeper)

    form = client.get(reverse("masterdata:location-create")).context["form"]

    assert list(form.fields["warehouse"].queryset) == [mine]


# --- Create and edit through the services -----------------------------------------------------------


def test_create_item_numbers_it_and_records_who(admin, admin_user, company, units):
    response = admin.post(reverse("masterdata:item-create"), item_data(units, company=company.pk))

    item = Item.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("masterdata:item-detail", args=[item.pk])
    assert item.code == "IT-000001"
    assert item.history.get().history_user == admin_user


def test_item_form_shows_service_errors_inline(admin, company, units):
    ItemFactory(company=company, code="X-1", barcode="690000")

    response = admin.post(
        reverse("masterdata:item-create"),
        item_data(units, company=company.pk, barcode="690000", purchase_unit=units["BOX"].pk),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["barcode"] == ["Item X-1 already has this barcode."]
    assert "purchase_factor" in form.errors
    assert "Item X-1 already has this barcode." in response.content.decode()
    assert Item.objects.count() == 1


def test_item_form_saves_the_purchase_unit_conversion(admin, company, units):
    admin.post(
        reverse("masterdata:item-create"),
        item_data(units, company=company.pk, purchase_unit=units["BOX"].pk, purchase_factor="12"),
    )

    item = Item.objects.get()
    conversion = UnitConversion.objects.get(item=item)
    assert (conversion.from_unit, conversion.to_unit, conversion.factor) == (units["BOX"], units["PCS"], Decimal(12))
    edit_form = admin.get(reverse("masterdata:item-edit", args=[item.pk])).context["form"]
    assert edit_form.initial["purchase_factor"] == Decimal(12)


def test_item_form_offers_only_the_companys_categories(client, buyer, company):
    ours = ItemCategoryFactory(company=company)
    ItemCategoryFactory(company=CompanyFactory(code="ELSE"))
    client.force_login(buyer)

    form = client.get(reverse("masterdata:item-create")).context["form"]

    assert list(form.fields["category"].queryset) == [ours]
    assert form.fields["company"].initial == company


def test_edit_shows_a_field_level_change_on_the_history_tab(admin, company, units):
    item = services.create_item(actor=None, company=company, name="Hex bolt", base_unit=units["PCS"])

    admin.post(reverse("masterdata:item-edit", args=[item.pk]), item_data(units, code=item.code, name="Hex bolt M8"))
    response = admin.get(reverse("masterdata:item-detail", args=[item.pk]), {"tab": "history"})

    entry = response.context["history"][0]
    assert entry.user == "admin"
    assert [(change.label, change.old, change.new) for change in entry.changes] == [
        ("name", "Hex bolt", "Hex bolt M8"),
        ("standard price", "0.000000", "1.500000"),
    ]
    page = response.content.decode()
    assert "<del>Hex bolt</del>" in page
    assert "<ins>Hex bolt M8</ins>" in page


def test_create_partner_with_addresses_and_contacts(admin, company):
    data = partner_data(
        company,
        **{
            "addresses-TOTAL_FORMS": "1",
            "addresses-0-kind": "billing",
            "addresses-0-line": "88 Century Avenue",
            "addresses-0-city": "Shanghai",
            "addresses-0-country": "CN",
            "contacts-TOTAL_FORMS": "2",
            "contacts-0-name": "Li Lei",
            "contacts-0-email": "li@example.com",
            "contacts-1-name": "",
        },
    )

    response = admin.post(reverse("masterdata:partner-create"), data)

    partner = Partner.objects.get()
    assert response["Location"] == reverse("masterdata:partner-detail", args=[partner.pk])
    assert list(PartnerAddress.objects.values_list("line", "city")) == [("88 Century Avenue", "Shanghai")]
    assert list(PartnerContact.objects.values_list("name", flat=True)) == ["Li Lei"]
    detail = admin.get(response["Location"]).content.decode()
    assert "88 Century Avenue" in detail
    assert "Li Lei" in detail


def test_edit_partner_replaces_its_contacts(admin, company):
    partner = PartnerFactory(company=company)
    kept = PartnerContact.objects.create(partner=partner, name="Kept")
    dropped = PartnerContact.objects.create(partner=partner, name="Dropped")
    data = partner_data(
        company,
        code=partner.code,
        name=partner.name,
        **{
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "2",
            "contacts-0-id": kept.pk,
            "contacts-0-name": "Kept and renamed",
            "contacts-1-id": dropped.pk,
            "contacts-1-name": "Dropped",
            "contacts-1-DELETE": "on",
        },
    )

    response = admin.post(reverse("masterdata:partner-edit", args=[partner.pk]), data)

    assert response.status_code == 302
    assert list(partner.contacts.values_list("pk", "name")) == [(kept.pk, "Kept and renamed")]


def test_duplicate_tax_id_is_refused_on_the_tax_id_field(admin, company, uscc):
    tax_id = uscc("91310000MA1FL1234")
    PartnerFactory(company=company, code="P-1", name="First Rivet", tax_id=tax_id, tax_id_kind="uscc")

    response = admin.post(
        reverse("masterdata:partner-create"),
        partner_data(company, name="Another name", tax_id_kind="uscc", tax_id=tax_id),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["tax_id"]
    assert errors == [DUPLICATE_TAX_ID]
    assert Partner.objects.count() == 1


def test_partner_needs_a_role(admin, company):
    data = partner_data(company)
    del data["is_customer"]

    response = admin.post(reverse("masterdata:partner-create"), data)

    assert response.context["form"].errors["is_customer"] == ["A partner is a customer, a supplier, or both."]


def test_warehouse_location_and_category_forms_save_through_services(admin, admin_user, company):
    admin.post(reverse("masterdata:warehouse-create"), {"company": company.pk, "code": " wh1 ", "name": "Main"})
    warehouse = Warehouse.objects.get()
    admin.post(reverse("masterdata:location-create"), {"warehouse": warehouse.pk, "kind": "zone", "code": "z1"})
    zone = Location.objects.get()
    admin.post(
        reverse("masterdata:location-create"),
        {"warehouse": warehouse.pk, "parent": zone.pk, "kind": "bin", "code": "b1"},
    )
    admin.post(reverse("masterdata:category-create"), {"company": company.pk, "code": "fast", "name": "Fasteners"})

    assert warehouse.code == "WH1"
    assert list(Location.objects.order_by("path").values_list("code", "parent__code")) == [("Z1", None), ("B1", "Z1")]
    assert Location.objects.get(code="B1").path == f"/{zone.pk}/{Location.objects.get(code='B1').pk}/"
    assert warehouse.history.get().history_user == admin_user


def test_bin_cannot_hold_locations(admin, company):
    warehouse = WarehouseFactory(company=company)
    bin_location = LocationFactory(warehouse=warehouse, kind=Location.Kind.BIN)

    response = admin.post(
        reverse("masterdata:location-create"),
        {"warehouse": warehouse.pk, "parent": bin_location.pk, "kind": "bin", "code": "x"},
    )

    assert "parent" in response.context["form"].errors


def test_reference_data_create_and_edit(admin):
    created = admin.post(
        reverse("masterdata:currency-create"),
        {"code": "chf", "name": "Swiss franc", "symbol": "Fr", "decimal_places": 2},
    )
    currency = Currency.objects.get(code="CHF")
    edited = admin.post(
        reverse("masterdata:currency-edit", args=[currency.pk]),
        {"code": "CHF", "name": "Swiss franc (CH)", "symbol": "Fr", "decimal_places": 2},
    )
    duplicate = admin.post(reverse("masterdata:tax-rate-create"), {"code": "VAT13", "name": "Again", "rate": "13"})

    assert created.status_code == edited.status_code == 302
    currency.refresh_from_db()
    assert currency.name == "Swiss franc (CH)"
    assert duplicate.status_code == 200
    assert duplicate.context["form"].errors["code"]
    assert TaxRate.objects.filter(code="VAT13").count() == 1


def test_deactivate_and_reactivate(admin, company):
    item = ItemFactory(company=company)
    url = reverse("masterdata:item-active", args=[item.pk])

    admin.post(url, {"active": "0"})
    item.refresh_from_db()
    deactivated = item.active
    admin.post(url, {"active": "1"})
    item.refresh_from_db()

    assert deactivated is False
    assert item.active is True
    assert [entry.history_change_reason for entry in item.history.order_by("history_id")][-2:] == [
        "Deactivated",
        "Reactivated",
    ]


# --- Duplicates and merging --------------------------------------------------------------------------


def test_similar_partners_endpoint_returns_candidates(admin, company):
    existing = PartnerFactory(company=company, name="上海铆钉有限公司")
    PartnerFactory(company=company, name="Unrelated Trading")

    response = admin.get(
        reverse("masterdata:partner-similar"), {"name": "上海铆钉", "company": company.pk}, HTTP_HX_REQUEST="true"
    )

    assert response.context["candidates"] == [existing]
    assert reverse("masterdata:partner-detail", args=[existing.pk]) in response.content.decode()


def test_similar_items_endpoint_excludes_the_record_itself_and_other_companies(admin, company):
    item = ItemFactory(company=company, name="Hex bolt M8")
    ItemFactory(company=CompanyFactory(code="ELSE"), name="Hex bolt M8")

    response = admin.get(reverse("masterdata:item-similar"), {"name": "Hex bolt M8", "exclude": item.pk})

    assert response.context["candidates"] == []
    assert response.content.decode().strip() == ""


def test_partner_form_asks_for_similar_names_as_you_type(admin):
    page = admin.get(reverse("masterdata:partner-create")).content.decode()

    assert f'hx-get="{reverse("masterdata:partner-similar")}"' in page
    assert 'hx-trigger="keyup changed delay:400ms, change"' in page
    assert 'id="similar-records"' in page


def test_saving_a_similar_partner_warns_with_links(admin, company):
    existing = PartnerFactory(company=company, name="上海铆钉有限公司")

    response = admin.post(reverse("masterdata:partner-create"), partner_data(company, name="上海铆钉"), follow=True)

    page = response.content.decode()
    assert "Possible duplicates" in page
    assert reverse("masterdata:partner-detail", args=[existing.pk]) in page


def test_merge_partner_through_the_page(admin, admin_user, company):
    kept = PartnerFactory(company=company, code="P-KEEP", name="Rivet Co")
    merged = PartnerFactory(company=company, code="P-DUP", name="Rivet Co Ltd")

    response = admin.post(
        reverse("masterdata:partner-merge", args=[merged.pk]), {"into": "P-KEEP", "reason": "Entered twice"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("masterdata:partner-detail", args=[kept.pk])
    merged.refresh_from_db()
    assert merged.active is False
    record = MergeRecord.objects.get()
    assert (record.merged_id, record.kept_id, record.merged_by, record.reason) == (
        merged.pk,
        kept.pk,
        admin_user,
        "Entered twice",
    )
    merged_page = admin.get(reverse("masterdata:partner-detail", args=[merged.pk])).content.decode()
    assert 'id="merged-notice"' in merged_page
    assert reverse("masterdata:partner-detail", args=[kept.pk]) in merged_page


def test_merge_refusals_are_shown_on_the_form(admin, company):
    merged = ItemFactory(company=company, code="I-DUP")
    ItemFactory(company=CompanyFactory(code="ELSE"), code="I-ELSE")

    no_reason = admin.post(reverse("masterdata:item-merge", args=[merged.pk]), {"into": "I-DUP", "reason": ""})
    other_company = admin.post(reverse("masterdata:item-merge", args=[merged.pk]), {"into": "I-ELSE", "reason": "x"})

    assert set(no_reason.context["merge_form"].errors) == {"into", "reason"}
    assert other_company.context["merge_form"].errors["into"] == [
        "Enter the code of another active record of the same company."
    ]
    assert MergeRecord.objects.count() == 0


def test_merge_needs_the_merge_permission(client, buyer, company):
    merged = ItemFactory(company=company)
    ItemFactory(company=company, code="KEEP")
    client.force_login(buyer)

    response = client.post(reverse("masterdata:item-merge", args=[merged.pk]), {"into": "KEEP", "reason": "dup"})
    page = client.get(reverse("masterdata:item-detail", args=[merged.pk])).content.decode()

    assert response.status_code == 403
    assert 'id="merge"' not in page


# --- Import ------------------------------------------------------------------------------------------


def test_import_page_needs_the_import_permission(client, buyer):
    client.force_login(buyer)

    assert client.get(reverse("masterdata:import-item")).status_code == 403


def test_import_template_lists_the_columns(admin):
    response = admin.get(reverse("masterdata:import-partner"), {"template": "csv"})

    header = csv_rows(response)[0]
    assert "name" in header
    assert response.content.startswith("\ufeff".encode())


def upload(client, kind: str, company, content: bytes, filename: str = "import.csv"):
    file = io.BytesIO(content)
    file.name = filename
    return client.post(reverse(f"masterdata:import-{kind}"), {"company": company.pk, "file": file})


def test_import_preview_then_commit(admin, company):
    content = "code,name,base_unit,standard_price\nBOLT-8,Hex bolt M8,PCS,1.5\nNUT-8,Hex nut M8,PCS,0.3\n"

    preview = upload(admin, "item", company, content.encode("utf-8-sig"))

    assert preview.status_code == 200
    assert preview.context["report"].rows == 2
    assert preview.context["report"].created == 2
    assert Item.objects.count() == 0
    page = preview.content.decode()
    assert 'id="commit-import"' in page
    assert 'id="commit-import" disabled' not in page
    batch = preview.context["batch"]

    result = admin.post(reverse("masterdata:import-commit", args=[batch.pk]))

    assert result.status_code == 200
    assert result.context["report"].committed is True
    assert sorted(Item.objects.values_list("code", "name")) == [("BOLT-8", "Hex bolt M8"), ("NUT-8", "Hex nut M8")]


def test_import_preview_lists_row_errors_and_cannot_be_committed(admin, company):
    content = "code,name,base_unit\nA-1,Good row,PCS\nA-2,,PCS\nA-3,Bad unit,NOPE\n"

    preview = upload(admin, "item", company, content.encode())

    errors = preview.context["report"].errors
    assert sorted((error.row, error.column) for error in errors) == [(3, "name"), (4, "base_unit")]
    page = preview.content.decode()
    assert 'id="commit-import" disabled' in page
    assert 'id="import-errors"' in page
    committed = admin.post(reverse("masterdata:import-commit", args=[preview.context["batch"].pk]))
    assert "The file has errors; nothing was imported." in committed.content.decode()
    assert Item.objects.count() == 0


def test_unreadable_import_file_is_refused_on_the_file_field(admin, company):
    response = upload(admin, "partner", company, b"\x00\x01\x02" * 100, filename="junk.csv")

    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_import_batch_of_another_company_is_404(client, make_user, company, admin_user):
    client.force_login(admin_user)
    batch = upload(client, "warehouse", CompanyFactory(code="ELSE"), b"code,name\nW9,Far away\n").context["batch"]
    importer = make_user(username="importer", companies=[company])
    importer.user_permissions.add(Permission.objects.get(codename="import_warehouse"))
    client.force_login(importer)

    assert client.get(reverse("masterdata:import-warehouse")).status_code == 200
    assert client.post(reverse("masterdata:import-commit", args=[batch.pk])).status_code == 404
    assert not Warehouse.objects.exists()
