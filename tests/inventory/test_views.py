"""Inventory browser pages for the stock documents: adjustments, transfers and counts through their
forms and status actions, with scoping, permissions, history and the document flow."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.core.models import OutboxEvent
from apps.inventory import services
from apps.inventory.models import (
    LocationFreeze,
    StockAdjustment,
    StockBalance,
    StockCount,
    StockMove,
    StockTransfer,
)
from tests.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


# --- Fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def keeper(make_user, books, warehouse):
    """A warehouse keeper who may see and work in the MAIN warehouse only."""
    return make_user(username="keeper", roles=["warehouse_keeper"], companies=[books], warehouses=[warehouse])


@pytest.fixture
def east(books):
    return WarehouseFactory(company=books, code="EAST", name="East warehouse")


@pytest.fixture
def east_bin(east):
    return LocationFactory(warehouse=east, code="E-01")


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def adjust(actor, warehouse, lines, *, post=True, on=None) -> StockAdjustment:
    """An adjustment made through the services (setup for the pages under test)."""
    adjustment = services.create_adjustment(
        actor=actor,
        company=warehouse.company,
        warehouse=warehouse,
        reason="setup",
        document_date=on or date.today(),
        lines=lines,
    )
    return services.post_adjustment(actor=actor, adjustment=adjustment) if post else adjustment


def lines_data(rows: list[dict], *, initial: int = 0, extra: int = 1) -> dict:
    """A line formset's POST data: `rows` filled in, then `extra` empty rows as the page sends them."""
    data = {"lines-TOTAL_FORMS": str(len(rows) + extra), "lines-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{name}": "" if value is None else str(value) for name, value in row.items()})
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def on_hand(item, location) -> Decimal:
    balance = StockBalance.objects.filter(item=item, location=location, lot=None).first()
    return balance.on_hand if balance else Decimal(0)


# --- Stock adjustments ----------------------------------------------------------------------------


def test_draft_with_two_lines_is_posted_and_shows_its_journal_entry(
    signed_in, keeper, warehouse, location, other_location, item, drain_outbox
):
    client = signed_in(keeper)
    data = {
        "warehouse": warehouse.pk,
        "document_date": date.today().isoformat(),
        "reason": "Found in the yard",
        **lines_data(
            [
                {"item": item.pk, "location": location.pk, "quantity": "10", "unit_cost": "2.50"},
                {"item": item.pk, "location": other_location.pk, "quantity": "4", "unit_cost": "3"},
            ]
        ),
    }

    created = client.post(reverse("inventory:adjustment-create"), data)

    adjustment = StockAdjustment.objects.get()
    assert created.url == reverse("inventory:adjustment-detail", args=[adjustment.pk])
    assert adjustment.status == "draft" and adjustment.reason == "Found in the yard"
    assert [(line.location, line.quantity) for line in adjustment.lines.order_by("id")] == [
        (location, Decimal("10")),
        (other_location, Decimal("4")),
    ]

    posted = client.post(reverse("inventory:adjustment-action", args=[adjustment.pk, "post"]))

    adjustment.refresh_from_db()
    assert posted.status_code == 302 and adjustment.status == "posted"
    assert adjustment.total_value == Decimal("37.00")
    assert (on_hand(item, location), on_hand(item, other_location)) == (Decimal("10"), Decimal("4"))
    assert StockMove.objects.filter(source_id=adjustment.pk, kind="adjustment").count() == 2
    before_posting = client.get(reverse("inventory:adjustment-detail", args=[adjustment.pk])).content.decode()
    assert 'data-posting="pending"' in before_posting and "Pending posting" in before_posting

    assert drain_outbox() == 1

    page = client.get(reverse("inventory:adjustment-detail", args=[adjustment.pk]))
    entry = OutboxEvent.objects.get(source_id=adjustment.pk).journal_entry
    html = page.content.decode()
    assert entry.number in html and 'data-posting="done"' in html
    assert "37" in html.split('id="total-value"')[1][:40]
    assert [str(row[0]) for row in page.context["postings"][0].journal_entry.lines.values_list("debit")] != []


def test_refusals_land_on_the_row_they_name(signed_in, keeper, warehouse, location, item, lot_item):
    client = signed_in(keeper)
    data = {
        "warehouse": warehouse.pk,
        "document_date": date.today().isoformat(),
        "reason": "Recount",
        **lines_data(
            [
                {"item": item.pk, "location": location.pk, "quantity": "0"},
                {"item": lot_item.pk, "location": location.pk, "quantity": "3", "lot_number": ""},
            ]
        ),
    }

    response = client.post(reverse("inventory:adjustment-create"), data)

    assert response.status_code == 200
    rows = response.context["formset"].forms
    assert list(rows[0].errors) == ["quantity"]
    assert list(rows[1].errors) == ["lot_number"]
    assert "lot-tracked" in rows[1].errors["lot_number"][0]
    assert not StockAdjustment.objects.exists()


def test_a_line_outside_the_warehouse_is_refused_on_its_row(
    signed_in, books, admin_user, warehouse, location, east_bin, item
):
    client = signed_in(admin_user)
    data = {
        "warehouse": warehouse.pk,
        "document_date": date.today().isoformat(),
        "reason": "Wrong bin",
        **lines_data(
            [
                {"item": item.pk, "location": location.pk, "quantity": "1"},
                {"item": item.pk, "location": east_bin.pk, "quantity": "1"},
            ]
        ),
    }

    response = client.post(reverse("inventory:adjustment-create"), data)

    rows = response.context["formset"].forms
    assert not rows[0].errors and list(rows[1].errors) == ["location"]
    assert not StockAdjustment.objects.exists()


def test_a_stock_refusal_is_a_message_and_the_draft_stays(signed_in, keeper, warehouse, location, item):
    adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("2")}])
    draft = adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("-5")}], post=False)
    client = signed_in(keeper)

    response = client.post(reverse("inventory:adjustment-action", args=[draft.pk, "post"]), follow=True)

    draft.refresh_from_db()
    assert draft.status == "draft"
    assert any("Not enough" in message for message in messages_of(response))
    assert on_hand(item, location) == Decimal("2")


def test_editing_a_draft_replaces_its_lines(signed_in, keeper, warehouse, location, other_location, item):
    draft = adjust(
        keeper,
        warehouse,
        [
            {"item": item, "location": location, "quantity": Decimal("1")},
            {"item": item, "location": other_location, "quantity": Decimal("2")},
        ],
        post=False,
    )
    first, second = draft.lines.order_by("id")
    client = signed_in(keeper)
    form = client.get(reverse("inventory:adjustment-edit", args=[draft.pk]))
    assert form.status_code == 200 and "warehouse" not in form.context["form"].fields

    client.post(
        reverse("inventory:adjustment-edit", args=[draft.pk]),
        {
            "document_date": date.today().isoformat(),
            "reason": "Edited reason",
            **lines_data(
                [
                    {"id": first.pk, "item": item.pk, "location": location.pk, "quantity": "7"},
                    {"id": second.pk, "item": item.pk, "location": other_location.pk, "quantity": "2", "DELETE": "on"},
                ],
                initial=2,
            ),
        },
    )

    draft.refresh_from_db()
    assert draft.reason == "Edited reason"
    assert list(draft.lines.values_list("id", "quantity")) == [(first.pk, Decimal("7"))]


def test_a_posted_adjustment_cannot_be_edited_and_is_cancelled_with_a_reason(
    signed_in, keeper, warehouse, location, item
):
    posted = adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("3")}])
    client = signed_in(keeper)

    edit = client.get(reverse("inventory:adjustment-edit", args=[posted.pk]))
    blank = client.post(
        reverse("inventory:adjustment-action", args=[posted.pk, "cancel"]), {"reason": " "}, follow=True
    )
    posted.refresh_from_db()
    assert edit.status_code == 302 and posted.status == "posted"
    assert any("Say why" in message for message in messages_of(blank))

    client.post(reverse("inventory:adjustment-action", args=[posted.pk, "cancel"]), {"reason": "Counted twice"})

    posted.refresh_from_db()
    assert posted.status == "cancelled" and on_hand(item, location) == Decimal("0")
    history = client.get(reverse("inventory:adjustment-detail", args=[posted.pk]), {"tab": "history"})
    reasons = [entry.reason for entry in history.context["history"]]
    assert reasons[:3] == ["Counted twice", "Posted", "Created"]


def test_the_detail_page_offers_only_what_the_status_allows(signed_in, keeper, warehouse, location, item):
    draft = adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("3")}], post=False)
    client = signed_in(keeper)

    page = client.get(reverse("inventory:adjustment-detail", args=[draft.pk]))

    assert [offered["action"].slug for offered in page.context["actions"]] == ["post", "cancel"]
    assert page.context["edit_url"] == reverse("inventory:adjustment-edit", args=[draft.pk])
    services.post_adjustment(actor=keeper, adjustment=draft)
    page = client.get(reverse("inventory:adjustment-detail", args=[draft.pk]))
    assert [offered["action"].slug for offered in page.context["actions"]] == ["cancel"]
    assert page.context["edit_url"] == ""


def test_adjustment_list_filters_and_exports_only_visible_rows(
    signed_in, keeper, admin_user, warehouse, location, east, east_bin, item
):
    ours = adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}])
    draft = adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}], post=False)
    adjust(admin_user, east, [{"item": item, "location": east_bin, "quantity": Decimal("1")}])
    client = signed_in(keeper)

    everything = client.get(reverse("inventory:adjustment-list"))
    open_only = client.get(reverse("inventory:adjustment-list"), {"status_group": "open"})
    exported = client.get(reverse("inventory:adjustment-list"), {"export": "csv"})

    assert {row.pk for row in everything.context["object_list"]} == {ours.pk, draft.pk}
    assert [row.pk for row in open_only.context["object_list"]] == [draft.pk]
    assert list(everything.context["filterset"].form.fields["warehouse"].queryset) == [warehouse]
    lines = exported.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 3 and all("EAST" not in line for line in lines)
    assert "Posted" in exported.content.decode("utf-8-sig")


def test_document_lists_keep_their_query_count_whatever_the_rows(
    signed_in, books, admin_user, warehouse, location, item, django_assert_max_num_queries
):
    client = signed_in(admin_user)
    for _ in range(3):
        adjust(admin_user, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}])
    with django_assert_max_num_queries(12):
        client.get(reverse("inventory:adjustment-list"))
    for _ in range(12):
        adjust(admin_user, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}])
    with django_assert_max_num_queries(12):
        client.get(reverse("inventory:adjustment-list"))
    for url in ("inventory:transfer-list", "inventory:count-list", "inventory:lot-list"):
        with django_assert_max_num_queries(12):
            client.get(reverse(url))


def test_detail_query_count_does_not_grow_with_lines(
    signed_in, books, admin_user, warehouse, location, item, drain_outbox, django_assert_max_num_queries
):
    client = signed_in(admin_user)
    few = adjust(admin_user, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}])
    many = adjust(admin_user, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}] * 10)
    drain_outbox()
    with django_assert_max_num_queries(25) as few_queries:
        client.get(reverse("inventory:adjustment-detail", args=[few.pk]))
    with django_assert_max_num_queries(len(few_queries.captured_queries)):
        client.get(reverse("inventory:adjustment-detail", args=[many.pk]))


# --- Scoping and permissions ----------------------------------------------------------------------


def test_a_keeper_gets_404_on_another_warehouses_documents(
    signed_in, keeper, admin_user, warehouse, location, east, east_bin, item
):
    adjustment = adjust(admin_user, east, [{"item": item, "location": east_bin, "quantity": Decimal("5")}])
    other_bin = LocationFactory(warehouse=east, code="E-02")
    transfer = services.create_transfer(
        actor=admin_user,
        company=east.company,
        from_warehouse=east,
        to_warehouse=east,
        document_date=date.today(),
        lines=[{"item": item, "from_location": east_bin, "to_location": other_bin, "quantity": Decimal("1")}],
    )
    count = services.create_count(actor=admin_user, company=east.company, warehouse=east, document_date=date.today())
    client = signed_in(keeper)

    pages = [
        reverse("inventory:adjustment-detail", args=[adjustment.pk]),
        reverse("inventory:adjustment-edit", args=[adjustment.pk]),
        reverse("inventory:transfer-detail", args=[transfer.pk]),
        reverse("inventory:count-detail", args=[count.pk]),
        reverse("inventory:count-entry", args=[count.pk]),
        reverse("inventory:location-stock", args=[east_bin.pk]),
    ]
    assert [client.get(url).status_code for url in pages] == [404] * len(pages)
    refused = client.post(reverse("inventory:adjustment-action", args=[adjustment.pk, "cancel"]), {"reason": "x"})
    adjustment.refresh_from_db()
    assert refused.status_code == 404 and adjustment.status == "posted"
    assert not client.get(reverse("inventory:transfer-list")).context["object_list"]
    assert not client.get(reverse("inventory:count-list")).context["object_list"]


def test_the_keepers_form_offers_only_their_warehouse(signed_in, keeper, warehouse, location, east_bin):
    page = signed_in(keeper).get(reverse("inventory:adjustment-create"))

    assert list(page.context["form"].fields["warehouse"].queryset) == [warehouse]
    locations = page.context["formset"].empty_form.fields["location"].choices
    assert [value for value, _label in locations if value] == [location.pk]


def test_missing_permissions_answer_403(signed_in, make_user, books, warehouse, location, item):
    adjustment = adjust(
        make_user(username="boss", roles=["administrator"], companies=[books]),
        warehouse,
        [{"item": item, "location": location, "quantity": Decimal("1")}],
        post=False,
    )
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books], warehouses=[warehouse])
    buyer = make_user(username="buyer", roles=["buyer"], companies=[books], warehouses=[warehouse])

    client = signed_in(clerk)
    assert client.get(reverse("inventory:adjustment-list")).status_code == 403
    assert client.get(reverse("inventory:item-ledger")).status_code == 403
    client = signed_in(buyer)
    assert client.get(reverse("inventory:adjustment-detail", args=[adjustment.pk])).status_code == 200
    assert client.get(reverse("inventory:adjustment-create")).status_code == 403
    assert client.post(reverse("inventory:adjustment-action", args=[adjustment.pk, "post"])).status_code == 403
    adjustment.refresh_from_db()
    assert adjustment.status == "draft"


# --- Stock transfers ------------------------------------------------------------------------------


def test_a_transfer_between_warehouses_is_shipped_then_received(
    signed_in, books, admin_user, warehouse, location, east, east_bin, item, drain_outbox
):
    adjust(admin_user, warehouse, [{"item": item, "location": location, "quantity": Decimal("10")}])
    client = signed_in(admin_user)

    client.post(
        reverse("inventory:transfer-create"),
        {
            "from_warehouse": warehouse.pk,
            "to_warehouse": east.pk,
            "document_date": date.today().isoformat(),
            "note": "Restock east",
            **lines_data([{"item": item.pk, "from_location": location.pk, "to_location": east_bin.pk, "quantity": 4}]),
        },
    )
    transfer = StockTransfer.objects.get()
    detail = client.get(reverse("inventory:transfer-detail", args=[transfer.pk]))
    assert [offered["action"].slug for offered in detail.context["actions"]] == ["ship", "cancel"]

    client.post(reverse("inventory:transfer-action", args=[transfer.pk, "ship"]))
    transfer.refresh_from_db()
    assert transfer.status == "in_transit"
    assert on_hand(item, location) == Decimal("6") and on_hand(item, east_bin) == Decimal("0")
    in_transit = client.get(reverse("inventory:transfer-detail", args=[transfer.pk]))
    assert [offered["action"].slug for offered in in_transit.context["actions"]] == ["receive", "cancel"]

    client.post(reverse("inventory:transfer-action", args=[transfer.pk, "receive"]))
    transfer.refresh_from_db()
    assert transfer.status == "done" and transfer.received_date == date.today()
    assert on_hand(item, east_bin) == Decimal("4")
    kinds = [
        move.kind for move in client.get(reverse("inventory:transfer-detail", args=[transfer.pk])).context["moves"]
    ]
    assert kinds == ["transit_out", "transit_in"]


def test_a_transfer_inside_a_warehouse_moves_at_once(signed_in, keeper, warehouse, location, other_location, item):
    adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("5")}])
    transfer = services.create_transfer(
        actor=keeper,
        company=warehouse.company,
        from_warehouse=warehouse,
        to_warehouse=warehouse,
        document_date=date.today(),
        lines=[{"item": item, "from_location": location, "to_location": other_location, "quantity": Decimal("2")}],
    )
    client = signed_in(keeper)

    actions = client.get(reverse("inventory:transfer-detail", args=[transfer.pk])).context["actions"]
    client.post(reverse("inventory:transfer-action", args=[transfer.pk, "move"]))

    transfer.refresh_from_db()
    assert [offered["action"].slug for offered in actions] == ["move", "cancel"]
    assert transfer.status == "done"
    assert (on_hand(item, location), on_hand(item, other_location)) == (Decimal("3"), Decimal("2"))


def test_transfer_form_limits_locations_and_lots(signed_in, keeper, warehouse, location, lot_item, item):
    adjust(keeper, warehouse, [{"item": lot_item, "location": location, "quantity": Decimal("2"), "lot_number": "L1"}])
    transit = LocationFactory(warehouse=warehouse, code="TRANSIT", kind="transit")

    page = signed_in(keeper).get(reverse("inventory:transfer-create"))

    row = page.context["formset"].empty_form
    from_locations = [value for value, _label in row.fields["from_location"].choices if value]
    assert location.pk in from_locations and transit.pk not in from_locations
    lots = row.fields["lot"].widget.tags
    assert list(lots.values()) == [{"data-item": str(lot_item.pk)}]
    html = page.content.decode()
    assert f'data-warehouse="{warehouse.pk}"' in html and 'data-limits="from_location"' in html


# --- Stock counts ---------------------------------------------------------------------------------


def test_a_count_is_started_entered_and_confirmed(
    signed_in, keeper, warehouse, location, other_location, item, lot_item, drain_outbox
):
    adjust(
        keeper,
        warehouse,
        [{"item": item, "location": location, "quantity": Decimal("10"), "unit_cost": Decimal("2")}],
    )
    client = signed_in(keeper)
    client.post(
        reverse("inventory:count-create"),
        {"warehouse": warehouse.pk, "document_date": date.today().isoformat(), "locations": [location.pk]},
    )
    count = StockCount.objects.get()
    assert list(count.locations.all()) == [location]

    client.post(reverse("inventory:count-action", args=[count.pk, "start"]))
    count.refresh_from_db()
    assert count.status == "counting"
    assert LocationFreeze.objects.filter(count=count).count() == 1
    detail = client.get(reverse("inventory:count-detail", args=[count.pk])).content.decode()
    assert 'id="count-freeze"' in detail and "frozen" in detail
    blocked = adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}], post=False)
    refused = client.post(reverse("inventory:adjustment-action", args=[blocked.pk, "post"]), follow=True)
    assert any("being counted" in message for message in messages_of(refused))
    stock_page = client.get(reverse("inventory:location-stock", args=[location.pk])).content.decode()
    assert 'id="frozen-locations"' in stock_page

    line = count.lines.get()
    entry = client.get(reverse("inventory:count-entry", args=[count.pk]))
    assert entry.status_code == 200 and line.expected_quantity == Decimal("10")
    client.post(
        reverse("inventory:count-entry", args=[count.pk]),
        {
            f"line_{line.pk}": "8",
            "found-TOTAL_FORMS": "2",
            "found-INITIAL_FORMS": "0",
            "found-0-item": lot_item.pk,
            "found-0-location": location.pk,
            "found-0-lot_number": "NEW-LOT",
            "found-0-counted_quantity": "3",
        },
    )
    assert sorted(count.lines.values_list("counted_quantity", flat=True)) == [Decimal("3"), Decimal("8")]

    client.post(reverse("inventory:count-action", args=[count.pk, "confirm"]))

    count.refresh_from_db()
    # 2 bolts lost at 2.00, 3 units of glue found at its standard price of 10.00
    assert count.status == "confirmed" and count.difference_value == Decimal("26.00")
    assert on_hand(item, location) == Decimal("8")
    assert not LocationFreeze.objects.exists()
    page = client.get(reverse("inventory:count-detail", args=[count.pk]))
    assert "26" in page.content.decode().split('id="difference-value"')[1][:20]
    drain_outbox()
    entry = OutboxEvent.objects.get(source_id=count.pk, kind="inventory.count.confirmed").journal_entry
    assert entry.total == Decimal("34.00")  # 30.00 found and 4.00 lost, each against inventory adjustment


def test_count_entry_refusals_land_on_their_row(signed_in, keeper, warehouse, location, other_location, item):
    adjust(keeper, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}])
    count = services.create_count(
        actor=keeper, company=warehouse.company, warehouse=warehouse, document_date=date.today(), locations=[location]
    )
    services.start_count(actor=keeper, count=count)
    client = signed_in(keeper)

    response = client.post(
        reverse("inventory:count-entry", args=[count.pk]),
        {
            "found-TOTAL_FORMS": "1",
            "found-INITIAL_FORMS": "0",
            "found-0-item": item.pk,
            "found-0-location": other_location.pk,
            "found-0-counted_quantity": "1",
        },
    )

    assert response.status_code == 200
    assert "location" in response.context["found"].forms[0].errors
    assert count.lines.count() == 1


def test_navigation_lists_what_the_role_may_open(keeper, make_user, books):
    from apps.core.context_processors import visible_menus

    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[books])

    keeper_menu = dict(visible_menus(keeper))["Inventory"]
    clerk_menu = dict(visible_menus(clerk))["Inventory"]

    assert [label for label, _url in keeper_menu] == [
        "Stock adjustments",
        "Stock transfers",
        "Stock counts",
        "Stock on hand",
        "Stock ledger",
        "Stock valuation",
        "Below reorder point",
        "Lots",
    ]
    assert [label for label, _url in clerk_menu] == ["Stock on hand", "Below reorder point", "Lots"]
