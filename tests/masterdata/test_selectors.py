"""Row scoping and the read rules: who sees which rows, similar names, unit factors and exchange rates."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from apps.masterdata import selectors, services
from apps.masterdata.models import Currency, ExchangeRate, ImportBatch, UnitConversion
from tests.factories import (
    CompanyFactory,
    ItemCategoryFactory,
    ItemFactory,
    LocationFactory,
    PartnerFactory,
    WarehouseFactory,
)

SCOPED = (
    selectors.companies_visible_to,
    selectors.categories_visible_to,
    selectors.items_visible_to,
    selectors.partners_visible_to,
    selectors.warehouses_visible_to,
    selectors.locations_visible_to,
    selectors.merge_records_visible_to,
    selectors.import_batches_visible_to,
)


@pytest.fixture
def two_companies(company):
    """Each company with a category, an item, a partner and two warehouses holding a location each."""
    other = CompanyFactory(code="OTHER")
    rows = {}
    for owner in (company, other):
        warehouses = [WarehouseFactory(company=owner, code=f"{owner.code}-W{n}") for n in (1, 2)]
        rows[owner.code] = {
            "category": ItemCategoryFactory(company=owner),
            "item": ItemFactory(company=owner),
            "partner": PartnerFactory(company=owner),
            "warehouses": warehouses,
            "locations": [LocationFactory(warehouse=warehouse) for warehouse in warehouses],
        }
    return rows


def test_a_keeper_of_one_warehouse_sees_only_its_locations(make_user, company, two_companies):
    mine = two_companies["ACME"]
    keeper = make_user(roles=["warehouse_keeper"], companies=[company], warehouses=[mine["warehouses"][0]])

    assert list(selectors.warehouses_visible_to(keeper)) == [mine["warehouses"][0]]
    assert list(selectors.locations_visible_to(keeper)) == [mine["locations"][0]]
    assert not selectors.locations_visible_to(keeper).filter(pk=mine["locations"][1].pk).exists()
    assert list(selectors.items_visible_to(keeper)) == [mine["item"]]  # items follow the company


def test_a_warehouse_granted_to_a_group_is_seen_by_its_members(make_user, company, two_companies):
    shift = Group.objects.create(name="night shift")
    services.grant_access(actor=None, holder=shift, scope_object=two_companies["ACME"]["warehouses"][1])
    keeper = make_user(roles=["warehouse_keeper"], companies=[company])
    keeper.groups.add(shift)

    assert list(selectors.locations_visible_to(keeper)) == [two_companies["ACME"]["locations"][1]]


def test_a_location_of_a_warehouse_in_another_company_stays_hidden(make_user, company, two_companies):
    theirs = two_companies["OTHER"]["warehouses"][0]
    keeper = make_user(roles=["warehouse_keeper"], companies=[company], warehouses=[theirs])

    assert not selectors.warehouses_visible_to(keeper).exists()
    assert not selectors.locations_visible_to(keeper).exists()


def test_without_company_access_nothing_is_visible(make_user, two_companies):
    stranger = make_user(roles=["buyer", "warehouse_keeper", "sales_clerk"])

    assert all(not selector(stranger).exists() for selector in SCOPED)


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_anonymous_sees_nothing(two_companies, user):
    assert all(not selector(user).exists() for selector in SCOPED)


def test_an_inactive_user_sees_nothing(make_user, company, two_companies):
    gone = make_user(roles=["administrator"], companies=[company], is_active=False)

    assert all(not selector(gone).exists() for selector in SCOPED)


def test_an_administrator_sees_every_company(make_user, two_companies):
    administrator = make_user(roles=["administrator"])

    assert selectors.companies_visible_to(administrator).count() == 2
    assert selectors.items_visible_to(administrator).count() == 2
    assert selectors.partners_visible_to(administrator).count() == 2
    assert selectors.locations_visible_to(administrator).count() == 4


def test_a_clerk_sees_the_partners_granted_to_them_only(clerk, company, two_companies):
    own = PartnerFactory(company=company, owner=clerk)
    services.grant_access(actor=None, holder=clerk, scope_object=own)
    theirs = two_companies["OTHER"]["partner"]
    services.grant_access(actor=None, holder=clerk, scope_object=theirs)  # no access to that company

    assert list(selectors.partners_visible_to(clerk)) == [own]


def test_an_accountant_sees_every_partner_of_their_companies(make_user, company, two_companies):
    accountant = make_user(roles=["accountant"], companies=[company])

    assert list(selectors.partners_visible_to(accountant)) == [two_companies["ACME"]["partner"]]


def test_import_batches_are_listed_without_their_content(admin_user, company):
    ImportBatch.objects.create(
        company=company, kind="item", filename="a.csv", content=b"x" * 10, uploaded_by=admin_user
    )

    batch = selectors.import_batches_visible_to(admin_user).get()

    assert "content" in batch.get_deferred_fields()


def test_default_company_is_the_only_visible_one(make_user, company):
    other = CompanyFactory(code="OTHER")
    single = make_user(companies=[company])
    double = make_user(companies=[company, other])

    assert selectors.default_company_for(single) == company
    assert selectors.default_company_for(double) is None


# --- Similar names ------------------------------------------------------------------------------------


def test_similar_partners_ignore_legal_form_suffixes(admin_user, company):
    shanghai = PartnerFactory(company=company, code="P1", name="上海示例贸易有限公司")
    acme = PartnerFactory(company=company, code="P2", name="Acme Trading Co., Ltd.")
    PartnerFactory(company=company, code="P3", name="Beijing Tools")
    PartnerFactory(company=CompanyFactory(code="OTHER"), name="上海示例贸易有限公司")

    def similar(name: str, **options) -> list:
        return selectors.similar_partners(user=admin_user, company=company, name=name, **options)

    assert similar("上海示例贸易股份有限公司") == [shanghai]
    assert similar("上海示例贸易") == [shanghai]
    assert similar("ACME TRADING LIMITED") == [acme]
    assert similar("ＡＣＭＥ Trading") == [acme]  # full-width input
    assert similar("Acme") == [acme]  # the typed name is contained in a candidate
    assert similar("Acme Trading Co., Ltd.", exclude_id=acme.pk) == []
    assert similar("A") == []  # too short to compare


def test_similar_partners_are_limited_to_those_the_user_sees(clerk, company):
    PartnerFactory(company=company, name="上海示例贸易有限公司")

    assert selectors.similar_partners(user=clerk, company=company, name="上海示例贸易") == []


def test_similar_items_rank_the_closest_first(admin_user, company):
    bolt = ItemFactory(company=company, name="Hex bolt M8")
    long_bolt = ItemFactory(company=company, name="Hex bolt M8 x 120 galvanised")

    assert selectors.similar_items(user=admin_user, company=company, name="hex bolt m8") == [bolt, long_bolt]


# --- Units and exchange rates --------------------------------------------------------------------------


def test_unit_factor_both_ways_and_an_item_conversion_first(company, units):
    item = ItemFactory(company=company)
    UnitConversion.objects.create(from_unit=units["BOX"], to_unit=units["PCS"], factor=Decimal(10))
    UnitConversion.objects.create(item=item, from_unit=units["BOX"], to_unit=units["PCS"], factor=Decimal(12))

    def factor(source: str, target: str, on=None):
        return selectors.unit_factor(item=on, from_unit_id=units[source].pk, to_unit_id=units[target].pk)

    assert factor("BOX", "PCS") == 10
    assert factor("BOX", "PCS", on=item) == 12
    assert factor("PCS", "BOX", on=item) == Decimal(1) / 12
    assert factor("G", "KG") == Decimal("0.001")
    assert factor("PCS", "PCS") == 1
    assert factor("M", "KG") is None


def test_exchange_rate_is_the_latest_on_or_before_the_date_either_way(db):
    usd, cny = Currency.objects.get(code="USD"), Currency.objects.get(code="CNY")
    ExchangeRate.objects.create(currency=usd, quote_currency=cny, rate_date=date(2026, 1, 1), rate=Decimal("7.10"))
    ExchangeRate.objects.create(currency=usd, quote_currency=cny, rate_date=date(2026, 2, 1), rate=Decimal("7.20"))

    assert selectors.exchange_rate(currency=usd, quote_currency=cny, on_date=date(2026, 1, 31)) == Decimal("7.10")
    assert selectors.exchange_rate(currency=usd, quote_currency=cny, on_date=date(2026, 3, 1)) == Decimal("7.20")
    assert selectors.exchange_rate(currency=cny, quote_currency=usd, on_date=date(2026, 3, 1)) == 1 / Decimal("7.20")
    assert selectors.exchange_rate(currency=usd, quote_currency=cny, on_date=date(2025, 12, 31)) is None
    assert selectors.exchange_rate(currency=cny, quote_currency=cny, on_date=date(2025, 12, 31)) == 1
