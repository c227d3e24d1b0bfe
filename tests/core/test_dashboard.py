"""The management dashboard on the home page: each app's cards, their figures scoped to the user,
each figure a link to its report, and a query count that does not grow with the data."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.dashboard import dashboard, months_back, registered_cards
from apps.core.models import OutboxEvent
from apps.inventory import services as inventory
from apps.masterdata.models import Item
from apps.purchasing import services as purchasing
from apps.sales import services as sales
from tests.factories import CompanyFactory, ItemFactory, LocationFactory, PartnerFactory, WarehouseFactory

TODAY = timezone.localdate()
# Net 100 and 200 at VAT 13 %: 113 and 226 open on the invoices.
NET = Decimal("100")


@pytest.fixture
def fee(company):
    """A service: invoiced and billed straight from its order lines, without stock."""
    return ItemFactory(company=company, code="FEE", name="Engineering fee", item_type=Item.ItemType.SERVICE)


@pytest.fixture
def harbour(company):
    return PartnerFactory(company=company, code="HARB", name="Harbour Trading", credit_limit=None)


@pytest.fixture
def lakeside(company):
    return PartnerFactory(company=company, code="LAKE", name="Lakeside Stores", credit_limit=None)


@pytest.fixture
def steel(company):
    return PartnerFactory(company=company, code="STEEL", name="Steel Supplier", is_customer=False, is_supplier=True)


def invoice(actor, warehouse, customer, fee, *, net: Decimal, on, due):
    """A service sold, invoiced and posted through the sales services."""
    order = sales.create_order(
        actor=actor,
        company=customer.company,
        customer=customer,
        warehouse=warehouse,
        document_date=on,
        lines=[{"item": fee, "quantity": Decimal("1"), "price": net}],
    )
    sales.confirm_order(actor=actor, order=order)
    draft = sales.create_invoice(
        actor=actor,
        company=customer.company,
        customer=customer,
        document_date=on,
        due_date=due,
        lines=[{"order_line": order.lines.get()}],
    )
    return sales.post_invoice(actor=actor, invoice=draft)


def bill(actor, warehouse, supplier, fee, *, net: Decimal, on, due, number: str):
    """A service bought and billed through the purchasing services."""
    order = purchasing.create_order(
        actor=actor,
        company=supplier.company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=on,
        expected_date=on,
        lines=[{"item": fee, "quantity": Decimal("1"), "price": net}],
    )
    purchasing.confirm_order(actor=actor, order=order)
    draft = purchasing.create_bill(
        actor=actor,
        company=supplier.company,
        supplier=supplier,
        supplier_invoice_number=number,
        document_date=on,
        due_date=due,
        lines=[{"order_line": order.lines.get(), "quantity": Decimal("1")}],
    )
    return purchasing.post_bill(actor=actor, bill=draft)


def stock_in(actor, warehouse, item, quantity: str, unit_cost: str):
    location = LocationFactory(warehouse=warehouse)
    adjustment = inventory.create_adjustment(
        actor=actor,
        company=warehouse.company,
        warehouse=warehouse,
        reason="opening",
        document_date=TODAY,
        lines=[{"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal(unit_cost)}],
    )
    return inventory.post_adjustment(actor=actor, adjustment=adjustment)


@pytest.fixture
def sold(admin_user, books, warehouse, harbour, lakeside, fee):
    """Harbour: 100 net this month, due in 30 days. Lakeside: 200 net 50 days ago, 20 days overdue."""
    invoice(admin_user, warehouse, harbour, fee, net=NET, on=TODAY, due=TODAY + timedelta(days=30))
    invoice(
        admin_user,
        warehouse,
        lakeside,
        fee,
        net=2 * NET,
        on=TODAY - timedelta(days=50),
        due=TODAY - timedelta(days=20),
    )


def cards_of(response) -> dict:
    return {shown.card.key: shown for shown in response.context["cards"]}


def figures_of(shown) -> dict:
    return {figure.key: figure.value for figure in shown.panel.figures}


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_every_app_contributes_its_cards_through_the_registry():
    keys = [card.key for card in registered_cards()]

    assert keys == [
        "sales",
        "purchases",
        "stock",
        "receivables",
        "payables",
        "cash",
        "production",
        "approvals",
        "postings",
    ]


def test_an_administrator_sees_sales_ageing_and_cash_each_linked_to_its_report(
    signed_in, admin_user, books, sold, harbour, drain_outbox
):
    receipt = sales.create_receipt(
        actor=admin_user, company=books, customer=harbour, document_date=TODAY, amount=Decimal("50")
    )
    sales.post_receipt(actor=admin_user, receipt=receipt)
    drain_outbox()

    client = signed_in(admin_user)
    response = client.get(reverse("home"))
    cards = cards_of(response)

    assert figures_of(cards["sales"])["month"] == Decimal("100.00")
    chart = cards["sales"].panel.chart
    assert chart.labels == [f"{month:%Y-%m}" for month in months_back(TODAY, 6)]
    assert sum(chart.values) == Decimal("300.00")  # both invoices, each in its month
    receivables = cards["receivables"]
    assert receivables.panel.chart.values == [Decimal("113.00"), Decimal("226.00"), 0, 0, 0]
    # 113 + 226 open, less the 50 received and not yet applied.
    assert figures_of(receivables) == {"balance": Decimal("289.00"), "overdue": Decimal("226.00")}
    assert figures_of(cards["cash"]) == {"balance": Decimal("50.00")}
    assert figures_of(cards["postings"]) == {"pending": 0, "failed": 0}
    page = response.content.decode()
    for shown in cards.values():
        for figure in shown.panel.figures:
            assert f'href="{figure.url.replace("&", "&amp;")}"' in page
            assert client.get(figure.url).status_code == 200, figure.url
        for url in shown.panel.chart.urls if shown.panel.chart else []:
            assert client.get(url).status_code == 200, url
    assert f"company={books.pk}" in receivables.panel.url
    assert reverse("sales:ar-ageing") in receivables.panel.url
    assert 'id="chart-sales"' in page and "vendor/chartjs/chart.umd.min.js" in page


def test_a_salesperson_sees_only_the_sales_and_receivables_of_their_customers(
    signed_in, make_user, books, sold, harbour
):
    salesperson = make_user(username="sam", roles=["sales_clerk"], companies=[books], partners=[harbour])

    cards = cards_of(signed_in(salesperson).get(reverse("home")))

    assert set(cards) == {"sales", "receivables", "production", "approvals"}  # no stock value, payables, cash
    assert sum(cards["sales"].panel.chart.values) == Decimal("100.00")
    assert figures_of(cards["receivables"]) == {"balance": Decimal("113.00"), "overdue": Decimal("0.00")}


def test_stock_value_counts_only_the_warehouses_a_keeper_keeps(signed_in, make_user, admin_user, books, warehouse):
    east = WarehouseFactory(company=books, code="EAST", name="East warehouse")
    bolt = ItemFactory(company=books, code="BOLT", name="Bolt M8")
    stock_in(admin_user, warehouse, bolt, "10", "4")
    stock_in(admin_user, east, bolt, "5", "4")
    keeper = make_user(username="kim", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])

    keeper_cards = cards_of(signed_in(keeper).get(reverse("home")))
    admin_cards = cards_of(signed_in(admin_user).get(reverse("home")))

    assert figures_of(keeper_cards["stock"])["value"] == Decimal("40.00")
    assert keeper_cards["stock"].panel.chart.labels == ["MAIN"]
    assert figures_of(admin_cards["stock"])["value"] == Decimal("60.00")
    assert admin_cards["stock"].panel.chart.labels == ["EAST", "MAIN"]
    assert "sales" not in keeper_cards and "cash" not in keeper_cards


def test_purchases_and_payables_age_the_open_bills(signed_in, make_user, books, admin_user, warehouse, steel, fee):
    bill(admin_user, warehouse, steel, fee, net=NET, on=TODAY, due=TODAY + timedelta(days=10), number="S-1")
    bill(
        admin_user,
        warehouse,
        steel,
        fee,
        net=NET,
        on=TODAY - timedelta(days=120),
        due=TODAY - timedelta(days=95),
        number="S-2",
    )
    accountant = make_user(username="acc", roles=["accountant"], companies=[books])

    cards = cards_of(signed_in(accountant).get(reverse("home")))

    assert figures_of(cards["purchases"])["month"] == Decimal("100.00")
    assert sum(cards["purchases"].panel.chart.values) == Decimal("200.00")
    assert cards["payables"].panel.chart.values == [Decimal("113.00"), 0, 0, 0, Decimal("113.00")]
    assert figures_of(cards["payables"]) == {"balance": Decimal("226.00"), "overdue": Decimal("113.00")}


def test_pending_postings_show_to_those_who_post_them(signed_in, make_user, books):
    source = PartnerFactory(company=books)
    for number, status in enumerate(
        [OutboxEvent.Status.PENDING, OutboxEvent.Status.PENDING, OutboxEvent.Status.FAILED]
    ):
        OutboxEvent.objects.create(
            key=f"test-{number}",
            kind="test.event",
            company=books,
            status=status,
            source_type=ContentType.objects.get_for_model(source),
            source_id=source.pk,
        )
    accountant = make_user(username="acc", roles=["accountant"], companies=[books])
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books])

    response = signed_in(accountant).get(reverse("home"))
    postings = cards_of(response)["postings"]

    assert figures_of(postings) == {"pending": 2, "failed": 1}
    assert 'id="figure-postings-pending"' in response.content.decode()
    assert "postings" not in cards_of(signed_in(clerk).get(reverse("home")))


def test_the_page_shows_one_company_at_a_time_and_never_one_out_of_sight(
    signed_in, make_user, books, sold, warehouse, harbour, fee
):
    other = CompanyFactory(code="BETA", name="Beta Trading")
    hidden = CompanyFactory(code="GAMMA", name="Gamma Works")
    accountant = make_user(username="acc", roles=["accountant"], companies=[books, other])
    client = signed_in(accountant)

    first = client.get(reverse("home"))
    chosen = client.get(reverse("home"), {"company": other.pk})
    refused = client.get(reverse("home"), {"company": hidden.pk})

    assert first.context["company"] == books and figures_of(cards_of(first)["receivables"])["balance"] > 0
    assert chosen.context["company"] == other
    assert figures_of(cards_of(chosen)["receivables"])["balance"] == Decimal("0.00")
    assert refused.context["company"] == books
    assert 'id="dashboard-company"' in first.content.decode()


def test_without_a_company_there_are_no_cards_but_the_overview_stays(signed_in, make_user, db):
    loner = make_user(username="lone", roles=["buyer"])

    response = signed_in(loner).get(reverse("home"))

    assert response.status_code == 200
    assert response.context["cards"] == []
    assert reverse("purchasing:order-list") in response.content.decode()  # the overview's tiles


def test_the_page_costs_the_same_number_of_queries_whatever_the_data(
    signed_in, admin_user, books, warehouse, harbour, lakeside, steel, fee
):
    client = signed_in(admin_user)

    def queries() -> int:
        client.get(reverse("home"))  # caches warmed (content types, permissions)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    invoice(admin_user, warehouse, harbour, fee, net=NET, on=TODAY, due=TODAY)
    bill(admin_user, warehouse, steel, fee, net=NET, on=TODAY, due=TODAY, number="Q-0")
    baseline = queries()
    for number in range(1, 4):
        customer = harbour if number % 2 else lakeside
        on = TODAY - timedelta(days=35 * number)
        invoice(admin_user, warehouse, customer, fee, net=NET, on=on, due=on + timedelta(days=10))
        bill(admin_user, warehouse, steel, fee, net=NET, on=on, due=on, number=f"Q-{number}")
        stock_in(admin_user, WarehouseFactory(company=books), ItemFactory(company=books), "3", "2")

    assert queries() == baseline


def test_an_approver_sees_the_cards_of_what_they_may_read(make_user, books):
    approver = make_user(username="ape", roles=["approver"], companies=[books])

    shown = dashboard(approver, company=books, today=TODAY)

    assert [card.card.key for card in shown] == [
        "sales",
        "purchases",
        "stock",
        "receivables",
        "payables",
        "cash",
        "approvals",
    ]
