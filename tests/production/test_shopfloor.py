"""The shop-floor screen: work orders in progress, today's output against plan, late orders and
material shortages, scoped by warehouse, in Chinese, for those who may see work orders.

A cabinet takes 2 panels. Work orders are made, released (which reserves panels), started and
reported through the production services.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.inventory import services as inventory
from apps.production import screens, services
from apps.production.models import WorkOrder
from tests.factories import ItemFactory, LocationFactory, WarehouseFactory

TODAY = timezone.localdate()


@pytest.fixture
def panel(company):
    return ItemFactory(company=company, code="PANEL", name="Side panel", standard_price=Decimal("5"))


@pytest.fixture
def cabinet(company, panel, admin_user):
    item = ItemFactory(company=company, code="CAB", name="Steel cabinet", standard_price=Decimal("0"))
    services.create_bom(
        actor=admin_user,
        company=company,
        item=item,
        version="1",
        lines=[{"component": panel, "quantity": Decimal("2")}],
        activate=True,
    )
    return item


def receive(actor, warehouse, item, quantity: str) -> None:
    adjustment = inventory.create_adjustment(
        actor=actor,
        company=warehouse.company,
        warehouse=warehouse,
        reason="delivered to the workshop",
        document_date=TODAY,
        lines=[
            {
                "item": item,
                "location": LocationFactory(warehouse=warehouse),
                "quantity": Decimal(quantity),
                "unit_cost": Decimal("5"),
            }
        ],
    )
    inventory.post_adjustment(actor=actor, adjustment=adjustment)


def work_order(actor, warehouse, item, quantity: str, *, due, release: bool = True) -> WorkOrder:
    order = services.create_work_order(
        actor=actor,
        company=warehouse.company,
        item=item,
        quantity=Decimal(quantity),
        due_date=due,
        warehouse=warehouse,
    )
    return services.release_work_order(actor=actor, work_order=order) if release else order


def board_of(user, **kwargs) -> screens.Board:
    return screens.board(user, today=TODAY, **kwargs)


@pytest.fixture
def planner(make_user, books, warehouse):
    return make_user(username="pat", roles=["production_planner"], companies=[books], warehouses=[warehouse])


# --- What the board reads ---------------------------------------------------------------------------


def test_orders_in_progress_show_their_completion_and_today_counts_against_the_orders_due(
    admin_user, planner, books, warehouse, panel, cabinet
):
    receive(admin_user, warehouse, panel, "30")
    started = work_order(admin_user, warehouse, cabinet, "10", due=TODAY)
    waiting = work_order(admin_user, warehouse, cabinet, "5", due=TODAY)
    work_order(admin_user, warehouse, cabinet, "7", due=TODAY, release=False)  # a draft is not planned yet
    services.post_output(actor=admin_user, work_order=started, quantity=Decimal("4"))
    services.post_output(
        actor=admin_user, work_order=started, quantity=Decimal("1"), posting_date=TODAY - timedelta(days=1)
    )

    board = board_of(planner)

    assert [(row.order, row.percent) for row in board.in_progress.all] == [(started, 50)]  # 5 of 10 made
    assert waiting.status == WorkOrder.Status.RELEASED
    # Posted today: 4 (yesterday's 1 is not today's). Plan: the 10 + 5 released and due today.
    assert (board.today.output, board.today.plan, board.today.orders_due) == (Decimal("4"), Decimal("15"), 2)
    assert board.today.percent == 26


def test_late_orders_are_those_on_the_floor_past_their_due_date(admin_user, planner, warehouse, panel, cabinet):
    receive(admin_user, warehouse, panel, "40")
    late = work_order(admin_user, warehouse, cabinet, "3", due=TODAY - timedelta(days=3))
    finished = work_order(admin_user, warehouse, cabinet, "2", due=TODAY - timedelta(days=1))
    services.post_output(actor=admin_user, work_order=finished, quantity=Decimal("2"))
    services.complete_work_order(actor=admin_user, work_order=finished)
    work_order(admin_user, warehouse, cabinet, "1", due=TODAY - timedelta(days=5), release=False)
    work_order(admin_user, warehouse, cabinet, "1", due=TODAY)

    board = board_of(planner)

    assert [(row.order, row.days) for row in board.late.all] == [(late, 3)]


def test_shortages_share_the_free_stock_in_due_date_order(admin_user, planner, warehouse, panel, cabinet):
    receive(admin_user, warehouse, panel, "20")
    covered = work_order(admin_user, warehouse, cabinet, "10", due=TODAY)  # reserves all 20 panels
    first = work_order(admin_user, warehouse, cabinet, "10", due=TODAY + timedelta(days=1))  # 20 short
    second = work_order(admin_user, warehouse, cabinet, "5", due=TODAY + timedelta(days=2))  # 10 short
    receive(admin_user, warehouse, panel, "25")  # arrives after the releases: free, not reserved

    board = board_of(planner)

    shortages = [(row.component.work_order, row.needed, row.available, row.missing) for row in board.shortages.all]
    # The first order takes 20 of the 25 free panels; the second is left 5 of the 10 it needs.
    assert shortages == [(second, Decimal("10"), Decimal("5"), Decimal("5"))]
    assert covered.components.get().reserved_quantity == Decimal("20")
    assert first.components.get().reserved_quantity == Decimal("0")


def test_a_component_fully_issued_is_not_short(admin_user, planner, warehouse, location, panel, cabinet):
    receive(admin_user, warehouse, panel, "4")
    order = work_order(admin_user, warehouse, cabinet, "2", due=TODAY)
    services.issue_materials(actor=admin_user, work_order=order, lines=[services.IssueLine(panel, Decimal("4"))])
    work_order(admin_user, warehouse, cabinet, "1", due=TODAY)  # nothing left for this one

    board = board_of(planner)

    assert [(row.component.work_order.quantity, row.missing) for row in board.shortages.all] == [
        (Decimal("1"), Decimal("2"))
    ]


def test_the_board_shows_only_the_warehouses_the_user_keeps(make_user, admin_user, books, warehouse, panel, cabinet):
    east = WarehouseFactory(company=books, code="EAST", name="East workshop")
    receive(admin_user, east, panel, "10")
    theirs = work_order(admin_user, east, cabinet, "2", due=TODAY - timedelta(days=1))
    services.post_output(actor=admin_user, work_order=theirs, quantity=Decimal("1"))
    keeper = make_user(username="kim", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])

    mine = board_of(keeper)
    everything = board_of(admin_user)
    main_only = board_of(admin_user, warehouse_id=warehouse.pk)

    assert (mine.in_progress.count, mine.late.count, mine.today.output) == (0, 0, Decimal("0"))
    assert (everything.in_progress.count, everything.late.count, everything.today.output) == (1, 1, Decimal("1"))
    assert main_only.in_progress.count == 0


def test_the_dashboard_card_gives_the_boards_figures_for_the_company(
    client, planner, admin_user, books, warehouse, panel, cabinet
):
    receive(admin_user, warehouse, panel, "4")
    late = work_order(admin_user, warehouse, cabinet, "3", due=TODAY - timedelta(days=2))  # 2 panels short
    services.post_output(actor=admin_user, work_order=late, quantity=Decimal("1"))
    client.force_login(planner)

    [card] = [shown for shown in client.get(reverse("home")).context["cards"] if shown.card.key == "production"]

    figures = {figure.key: figure.value for figure in card.panel.figures}
    assert figures == {"in_progress": 1, "output_today": 1, "plan_today": 0, "late": 1, "shortages": 1}
    assert {figure.url for figure in card.panel.figures} == {reverse("shopfloor:screen")}


# --- The pages -----------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, db):
    for name in ("shopfloor:screen", "shopfloor:board"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_board_polled_after_the_session_ended_sends_the_screen_to_sign_in(client, db):
    response = client.get(reverse("shopfloor:board"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next={reverse('shopfloor:screen')}"


def test_without_the_work_order_permission_the_screen_is_forbidden(client, make_user, books):
    approver = make_user(username="ape", roles=["approver"], companies=[books])
    client.force_login(approver)

    assert client.get(reverse("shopfloor:screen")).status_code == 403
    assert client.get(reverse("shopfloor:board")).status_code == 403


def test_the_screen_is_in_chinese_and_polls_its_board(client, planner, admin_user, warehouse, panel, cabinet):
    receive(admin_user, warehouse, panel, "10")
    order = work_order(admin_user, warehouse, cabinet, "4", due=TODAY)
    services.post_output(actor=admin_user, work_order=order, quantity=Decimal("3"))
    client.force_login(planner)

    screen = client.get(reverse("shopfloor:screen"), HTTP_ACCEPT_LANGUAGE="en")
    page = screen.content.decode()
    fast = client.get(reverse("shopfloor:screen"), {"refresh": "1"}).content.decode()
    too_fast = client.get(reverse("shopfloor:board"), {"refresh": "0"}).content.decode()
    board = client.get(reverse("shopfloor:board"), {"warehouse": warehouse.pk}).content.decode()

    assert '<html lang="zh-hans">' in page and screen["Content-Language"] == "zh-hans"
    assert "物料" in page  # "Item", whatever the viewer's language
    assert 'hx-trigger="every 30s"' in page and f'hx-get="{reverse("shopfloor:board")}?refresh=30"' in page
    assert 'hx-trigger="every 1s"' in fast and 'hx-trigger="every 1s"' in too_fast
    assert f"refresh=30&amp;warehouse={warehouse.pk}" in board
    assert 'id="floor-refreshed-at"' in board and "<html" not in board
    assert f'id="floor-order-{order.pk}"' in board and 'data-percent="75"' in board
    assert '<span id="floor-output-today">3</span>' in board


def test_the_board_costs_the_same_number_of_queries_whatever_the_orders(
    client, planner, admin_user, warehouse, panel, cabinet
):
    client.force_login(planner)
    receive(admin_user, warehouse, panel, "4")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("shopfloor:board")).status_code == 200
        return len(captured)

    first = work_order(admin_user, warehouse, cabinet, "3", due=TODAY - timedelta(days=1))  # 2 panels short
    services.post_output(actor=admin_user, work_order=first, quantity=Decimal("1"))
    client.get(reverse("shopfloor:board"))
    baseline = queries()
    for days in range(1, 5):
        order = work_order(admin_user, warehouse, cabinet, "3", due=TODAY - timedelta(days=days))
        services.post_output(actor=admin_user, work_order=order, quantity=Decimal("1"))

    assert queries() == baseline
