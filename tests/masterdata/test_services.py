"""The rules every entry point obeys: codes, normalisation, tax IDs, duplicates, units, trees, owners and merges."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.models import SecurityEvent
from apps.masterdata import selectors, services
from apps.masterdata.models import (
    Item,
    ItemCategory,
    Location,
    MergeRecord,
    Partner,
    PartnerAddress,
    PartnerContact,
    UnitConversion,
    Warehouse,
)
from tests.factories import CompanyFactory, ItemFactory, PartnerFactory, WarehouseFactory
from tests.testapp.models import PartnerOrder

DUPLICATE_TAX_ID = (
    "Another partner of this company already has this tax ID; the same partner cannot be entered twice."
    " Search for it (or ask an administrator to merge the duplicates)."
)


def refusal(call) -> dict[str, list[str]]:
    """The field errors a service raised."""
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


# --- Codes and normalisation -----------------------------------------------------------------------


def test_blank_codes_come_from_each_company_sequence(admin_user, company, units):
    other = CompanyFactory(code="OTHER")

    first = services.create_item(actor=admin_user, company=company, name="Bolt", base_unit=units["PCS"])
    second = services.create_item(actor=admin_user, company=company, name="Nut", base_unit=units["PCS"])
    elsewhere = services.create_item(actor=admin_user, company=other, name="Bolt", base_unit=units["PCS"])
    partner = services.create_partner(actor=admin_user, company=company, name="Shop", is_customer=True)

    assert (first.code, second.code, elsewhere.code, partner.code) == (
        "IT-000001",
        "IT-000002",
        "IT-000001",
        "BP-00001",
    )


def test_given_codes_are_kept_normalised_and_must_be_unique(admin_user, company, units):
    item = services.create_item(
        actor=admin_user,
        company=company,
        code=" ｂｏｌｔ－1 ",
        name="  Ｈｅｘ　bolt  ",
        barcode="69 0123",
        base_unit=units["PCS"],
    )

    assert (item.code, item.name, item.name_key, item.barcode) == ("BOLT-1", "Hex bolt", "hexbolt", "690123")
    errors = refusal(
        lambda: services.create_item(actor=admin_user, company=company, code="bolt-1", name="x", base_unit=units["PCS"])
    )
    assert errors["code"] == ["Another item already has the code BOLT-1."]
    assert refusal(lambda: services.update_item(actor=admin_user, item=item, code=""))["code"] == [
        "An existing item keeps a code."
    ]


def test_creating_an_item_writes_its_history_with_the_actor(admin_user, company, units):
    item = services.create_item(actor=admin_user, company=company, name="Bolt", base_unit=units["PCS"])
    services.update_item(actor=admin_user, item=item, standard_price=Decimal("2"), reason="New price list")

    history = list(item.history.order_by("history_id"))
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        ("+", admin_user, "Created"),
        ("~", admin_user, "New price list"),
    ]


def test_item_rules(admin_user, company, units):
    foreign = ItemCategory.objects.create(company=CompanyFactory(code="X"), code="C", name="C", path="/")
    ItemFactory(company=company, code="HAS", barcode="690")

    errors = refusal(
        lambda: services.create_item(
            actor=admin_user,
            company=company,
            name="Install",
            item_type="service",
            lot_tracked=True,
            category=foreign,
            barcode="690",
            base_unit=units["PCS"],
            purchase_unit=units["BOX"],
        )
    )

    assert errors == {
        "category": ["The category belongs to another company."],
        "lot_tracked": ["A service cannot be lot-tracked."],
        "purchase_factor": ["How many PCS make one BOX? Enter the conversion factor."],
        "barcode": ["Item HAS already has this barcode."],
    }


def test_units_and_conversion_factors(admin_user, company, units):
    boxed = services.create_item(
        actor=admin_user,
        company=company,
        name="Screws",
        base_unit=units["PCS"],
        purchase_unit=units["BOX"],
        purchase_factor=Decimal("12"),
        sales_unit=units["BOX"],
    )
    flour = services.create_item(
        actor=admin_user, company=company, name="Flour", base_unit=units["G"], purchase_unit=units["KG"]
    )

    assert selectors.unit_factor(item=boxed, from_unit_id=units["BOX"].pk, to_unit_id=units["PCS"].pk) == 12
    assert selectors.unit_factor(item=flour, from_unit_id=units["KG"].pk, to_unit_id=units["G"].pk) == 1000
    assert not UnitConversion.objects.filter(item=flour).exists()  # the general KG -> G conversion serves
    services.update_item(actor=admin_user, item=boxed, purchase_factor=Decimal("24"))
    assert UnitConversion.objects.get(item=boxed).factor == 24
    assert refusal(lambda: services.update_item(actor=admin_user, item=boxed, purchase_factor=Decimal("0"))) == {
        "purchase_factor": ["The conversion factor must be greater than zero."]
    }
    mismatch = refusal(
        lambda: services.update_item(
            actor=admin_user, item=boxed, purchase_factor=Decimal("10"), sales_factor=Decimal("12")
        )
    )
    assert mismatch == {"sales_factor": ["The purchase and sales units are the same, so their factors must be too."]}


# --- Partners: tax IDs, duplicates, owners ----------------------------------------------------------


def test_a_valid_uscc_is_accepted_and_its_kind_recognised(admin_user, company):
    partner = services.create_partner(
        actor=admin_user, company=company, name="上海示例贸易有限公司", is_customer=True, tax_id="9135 0100ｍ000100y43"
    )
    foreign = services.create_partner(
        actor=admin_user, company=company, name="Example GmbH", is_supplier=True, tax_id="de123456789"
    )

    assert (partner.tax_id, partner.tax_id_kind, partner.name_key) == ("91350100M000100Y43", "uscc", "上海示例贸易")
    assert (foreign.tax_id, foreign.tax_id_kind) == ("DE123456789", "other")


@pytest.mark.parametrize(
    ("tax_id", "message"),
    [
        ("91350100M000100Y44", "The check digit of this unified social credit code is wrong (expected 3)."),
        ("91350100M000100Y4", "A unified social credit code has 18 characters; this one has 17."),
        ("", "Enter the unified social credit code."),
    ],
)
def test_an_invalid_uscc_is_refused(admin_user, company, tax_id, message):
    errors = refusal(
        lambda: services.create_partner(
            actor=admin_user, company=company, name="Shop", is_customer=True, tax_id_kind="uscc", tax_id=tax_id
        )
    )

    assert errors == {"tax_id": [message]}
    assert not Partner.objects.exists()


def test_the_same_tax_id_is_refused_without_naming_the_holder(admin_user, company):
    services.create_partner(
        actor=admin_user,
        company=company,
        code="C1",
        name="上海示例贸易有限公司",
        is_customer=True,
        tax_id="91350100M000100Y43",
    )
    other_company = CompanyFactory(code="OTHER")

    errors = refusal(
        lambda: services.create_partner(
            actor=admin_user,
            company=company,
            name="Shanghai Example",
            is_supplier=True,
            tax_id="９１３５０１００Ｍ０００１００Ｙ４３",
        )
    )
    elsewhere = services.create_partner(
        actor=admin_user, company=other_company, name="Same firm", is_customer=True, tax_id="91350100M000100Y43"
    )

    assert errors == {"tax_id": [DUPLICATE_TAX_ID]}
    assert elsewhere.pk  # tax IDs are unique per company


def test_a_partner_is_a_customer_or_a_supplier(admin_user, company):
    errors = refusal(lambda: services.create_partner(actor=admin_user, company=company, name="Nobody"))

    assert errors == {"is_customer": ["A partner is a customer, a supplier, or both."]}


def test_the_owner_sees_the_partner_and_loses_it_when_the_owner_changes(admin_user, clerk, make_user, company):
    successor = make_user(username="successor", roles=["sales_clerk"], companies=[company])

    partner = services.create_partner(actor=admin_user, company=company, name="Shop", is_customer=True, owner=clerk)
    assert clerk.has_perm("masterdata.access_partner", partner)
    assert list(selectors.partners_visible_to(clerk)) == [partner]

    services.update_partner(actor=admin_user, partner=partner, owner=successor)

    clerk = type(clerk).objects.get(pk=clerk.pk)  # fresh permission caches
    assert not clerk.has_perm("masterdata.access_partner", partner)
    assert not selectors.partners_visible_to(clerk).exists()
    assert list(selectors.partners_visible_to(successor)) == [partner]
    logged = SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.OBJECT_PERMISSION_CHANGE, detail__holder=str(clerk), detail__permission="access_partner"
    )
    assert sorted(event.detail["action"] for event in logged) == ["granted", "revoked"]


def test_contacts_and_addresses_are_replaced_as_a_whole(admin_user, company):
    partner = PartnerFactory(company=company)
    kept = services.replace_partner_contacts(
        actor=admin_user, partner=partner, contacts=[{"name": "Li"}, {"name": "Wang", "is_primary": True}]
    )

    services.replace_partner_contacts(
        actor=admin_user, partner=partner, contacts=[{"id": kept[1].pk, "name": "Wang Fang", "is_primary": True}]
    )

    assert list(PartnerContact.objects.filter(partner=partner).values_list("name", flat=True)) == ["Wang Fang"]
    assert PartnerContact.history.filter(history_type="-", name="Li").get().history_user == admin_user


# --- Trees ----------------------------------------------------------------------------------------


def _category(actor, company, code, parent=None):
    return services.save_category(
        actor=actor, category=ItemCategory(company=company, code=code, name=code, parent=parent)
    )


def test_category_paths_follow_a_moved_subtree(admin_user, company):
    tools = _category(admin_user, company, "TOOLS")
    fasteners = _category(admin_user, company, "FAST")
    bolts = _category(admin_user, company, "BOLTS", parent=fasteners)
    hex_bolts = _category(admin_user, company, "HEX", parent=bolts)
    assert hex_bolts.path == f"/{fasteners.pk}/{bolts.pk}/{hex_bolts.pk}/"

    bolts.parent = tools
    services.save_category(actor=admin_user, category=bolts)

    hex_bolts.refresh_from_db()
    assert (bolts.path, hex_bolts.path) == (f"/{tools.pk}/{bolts.pk}/", f"/{tools.pk}/{bolts.pk}/{hex_bolts.pk}/")
    assert fasteners.path == f"/{fasteners.pk}/"


def test_a_category_cannot_go_under_itself_or_another_company(admin_user, company):
    fasteners = _category(admin_user, company, "FAST")
    bolts = _category(admin_user, company, "BOLTS", parent=fasteners)
    foreign = _category(admin_user, CompanyFactory(code="OTHER"), "ELSE")

    fasteners.parent = bolts
    cycle = refusal(lambda: services.save_category(actor=admin_user, category=fasteners))
    bolts.parent = foreign
    other_company = refusal(lambda: services.save_category(actor=admin_user, category=bolts))

    assert cycle == {"parent": ["A category cannot be placed under itself or its own subcategory."]}
    assert other_company == {"parent": ["The parent category belongs to another company."]}
    assert ItemCategory.objects.get(pk=fasteners.pk).parent is None


def _location(actor, warehouse, code, kind=Location.Kind.BIN, parent=None):
    return services.save_location(
        actor=actor, location=Location(warehouse=warehouse, code=code, kind=kind, parent=parent)
    )


def test_location_paths_follow_a_moved_zone(admin_user, company):
    warehouse = WarehouseFactory(company=company)
    hall = _location(admin_user, warehouse, "HALL", Location.Kind.ZONE)
    zone = _location(admin_user, warehouse, "A", Location.Kind.ZONE)
    bin_ = _location(admin_user, warehouse, "A-01", parent=zone)
    assert bin_.path == f"/{zone.pk}/{bin_.pk}/"

    zone.parent = hall
    services.save_location(actor=admin_user, location=zone)

    bin_.refresh_from_db()
    assert bin_.path == f"/{hall.pk}/{zone.pk}/{bin_.pk}/"


def test_location_tree_rules(admin_user, company):
    warehouse = WarehouseFactory(company=company)
    zone = _location(admin_user, warehouse, "A", Location.Kind.ZONE)
    inner = _location(admin_user, warehouse, "A1", Location.Kind.ZONE, parent=zone)
    bin_ = _location(admin_user, warehouse, "A1-01", parent=inner)
    elsewhere = _location(admin_user, WarehouseFactory(company=company), "Z", Location.Kind.ZONE)

    in_a_bin = refusal(lambda: _location(admin_user, warehouse, "X", parent=bin_))
    in_another_warehouse = refusal(lambda: _location(admin_user, warehouse, "Y", parent=elsewhere))
    zone.parent = inner
    inside_itself = refusal(lambda: services.save_location(actor=admin_user, location=zone))
    inner.refresh_from_db()
    inner.kind = Location.Kind.BIN
    holding = refusal(lambda: services.save_location(actor=admin_user, location=inner))

    assert in_a_bin == {"parent": ["Only a zone can hold other locations."]}
    assert in_another_warehouse == {"parent": ["The parent location is in another warehouse."]}
    assert inside_itself == {"parent": ["A location cannot be placed inside itself."]}
    assert holding == {"kind": ["This location holds other locations, so it must stay a zone."]}
    assert Location.objects.count() == 4


# --- Deactivation and merging -----------------------------------------------------------------------


def test_deactivation_keeps_the_record_and_says_so_in_its_history(admin_user, company):
    warehouse = services.save_warehouse(actor=admin_user, warehouse=Warehouse(company=company, code="W", name="Main"))

    services.set_active(actor=admin_user, record=warehouse, active=False)

    assert Warehouse.objects.get(pk=warehouse.pk).active is False
    assert warehouse.history.first().history_change_reason == "Deactivated"


@pytest.fixture
def duplicates(admin_user, company, clerk):
    kept = services.create_partner(
        actor=admin_user, company=company, code="KEEP", name="上海示例贸易有限公司", is_customer=True
    )
    merged = services.create_partner(
        actor=admin_user,
        company=company,
        code="DUP",
        name="上海示例贸易股份有限公司",
        is_customer=True,
        tax_id="91350100M000100Y43",
        owner=clerk,
    )
    return kept, merged


def test_merging_partners_repoints_every_reference_and_deactivates_the_duplicate(admin_user, clerk, duplicates):
    kept, merged = duplicates
    PartnerContact.objects.create(partner=merged, name="Li")
    PartnerAddress.objects.create(partner=merged, line="1 Road")
    orders = [PartnerOrder.objects.create(partner=merged) for _ in range(2)]
    other_order = PartnerOrder.objects.create(partner=kept)

    record = services.merge_partners(actor=admin_user, merged=merged, kept=kept, reason="Entered twice")

    assert set(PartnerOrder.objects.values_list("partner_id", flat=True)) == {kept.pk}
    assert PartnerOrder.objects.filter(pk__in=[o.pk for o in [*orders, other_order]]).count() == 3
    assert PartnerContact.objects.get().partner == kept and PartnerAddress.objects.get().partner == kept
    merged.refresh_from_db()
    assert (merged.active, merged.tax_id) == (False, "")
    last = merged.history.first()
    assert (last.history_user, last.history_change_reason) == (admin_user, "Merged into KEEP: Entered twice")
    assert (record.kind, record.merged_code, record.kept_code, record.merged_by, record.reason) == (
        "partner",
        "DUP",
        "KEEP",
        admin_user,
        "Entered twice",
    )
    assert record.references == {
        "masterdata.partneraddress.partner": 1,
        "masterdata.partnercontact.partner": 1,
        "testapp.partnerorder.partner": 2,
    }
    assert clerk.has_perm("masterdata.access_partner", kept)  # who saw the duplicate sees the survivor
    services.update_partner(actor=admin_user, partner=kept, tax_id="91350100M000100Y43")  # the tax ID is free


def test_merging_items_repoints_conversions_and_documents(admin_user, company, units):
    kept = services.create_item(
        actor=admin_user, company=company, code="KEEP", name="Bolt", base_unit=units["PCS"],
        purchase_unit=units["BOX"], purchase_factor=Decimal("12"),
    )  # fmt: skip
    merged = services.create_item(
        actor=admin_user, company=company, code="DUP", name="Bolt.", base_unit=units["PCS"],
        purchase_unit=units["BOX"], purchase_factor=Decimal("10"), sales_unit=units["SET"], sales_factor=Decimal("4"),
    )  # fmt: skip
    order = PartnerOrder.objects.create(partner=PartnerFactory(company=company), item=merged)

    record = services.merge_items(actor=admin_user, merged=merged, kept=kept, reason="Same bolt")

    order.refresh_from_db()
    assert order.item == kept
    conversions = {(c.from_unit.code, c.factor) for c in UnitConversion.objects.filter(item=kept)}
    assert conversions == {("BOX", Decimal(12)), ("SET", Decimal(4))}  # the kept item's own conversion wins
    assert not UnitConversion.objects.filter(item=merged).exists()
    assert record.references == {"masterdata.unitconversion.item": 1, "testapp.partnerorder.item": 1}
    assert Item.objects.get(pk=merged.pk).active is False
    assert MergeRecord.objects.get().kind == "item"


def test_merges_are_refused_across_companies_into_itself_without_reason_or_twice(admin_user, company, duplicates):
    kept, merged = duplicates
    foreign = PartnerFactory(company=CompanyFactory(code="OTHER"))

    def code_of(**arguments) -> str:
        with pytest.raises(services.MasterDataError) as refused:
            services.merge_partners(actor=admin_user, **arguments)
        return refused.value.code

    assert code_of(merged=merged, kept=foreign, reason="x") == "merge_company"
    assert code_of(merged=merged, kept=merged, reason="x") == "merge_same"
    assert code_of(merged=merged, kept=kept, reason="  ") == "reason_required"
    services.merge_partners(actor=admin_user, merged=merged, kept=kept, reason="x")
    assert code_of(merged=merged, kept=kept, reason="again") == "merge_inactive"
    assert code_of(merged=kept, kept=merged, reason="back") == "merge_into_inactive"
    assert MergeRecord.objects.count() == 1


# --- Numbers for imports ----------------------------------------------------------------------------


def test_codes_for_an_import_are_taken_in_one_go(company):
    with transaction.atomic():
        codes = services.allocate_codes(company=company, kind="item", count=3)

    assert codes == ["IT-000001", "IT-000002", "IT-000003"]
    assert services.allocate_codes(company=company, kind="item", count=0) == []
