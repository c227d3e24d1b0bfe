"""Stock documents through /api/v1/inventory/: created and changed through the services, posted with
their stock and books following, idempotent, scoped by warehouse, and refusing bad input whole."""

from datetime import date
from decimal import Decimal

import pytest

from apps.core.models import DocumentSequence, OutboxEvent
from apps.finance.models import JournalEntry
from apps.inventory import services
from apps.inventory.models import StockAdjustment, StockBalance, StockCount, StockMove, StockTransfer
from tests.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/inventory"
TODAY = date.today().isoformat()


def url(resource: str, pk: int | None = None, action: str = "") -> str:
    path = f"{API}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{action}/" if action else "")


@pytest.fixture
def keeper(make_user, company, warehouse):
    return make_user(username="keeper", roles=["warehouse_keeper"], companies=[company], warehouses=[warehouse])


@pytest.fixture
def east(company):
    return WarehouseFactory(company=company, code="EAST", name="East warehouse")


@pytest.fixture
def east_bin(east):
    return LocationFactory(warehouse=east, code="E-01")


@pytest.fixture
def stock(books, admin_user):
    """stock(item, location, quantity, unit_cost="2.00"): a posted adjustment adding stock."""

    def add(item, location, quantity, unit_cost="2.00"):
        adjustment = services.create_adjustment(
            actor=admin_user,
            company=books,
            warehouse=location.warehouse,
            reason="opening stock",
            document_date=date.today(),
            lines=[
                {"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal(unit_cost)}
            ],
        )
        return services.post_adjustment(actor=admin_user, adjustment=adjustment)

    return add


def on_hand(item, location) -> Decimal:
    balance = StockBalance.objects.filter(item=item, location=location).first()
    return balance.on_hand if balance else Decimal(0)


def field_codes(response) -> dict[str, list[str]]:
    return {name: [error["code"] for error in errors] for name, errors in response.json()["error"]["fields"].items()}


# --- Adjustments --------------------------------------------------------------------------------


def test_an_adjustment_posted_through_the_api_moves_stock_and_reaches_the_books(
    api_client, keeper, books, warehouse, location, item, drain_outbox
):
    client = api_client(keeper)
    created = client.post(
        url("adjustments"),
        {
            "warehouse": warehouse.pk,
            "reason": "Found in the back",
            "document_date": TODAY,
            "lines": [{"item": item.pk, "location": location.pk, "quantity": "10", "unit_cost": "3.5"}],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["status_label"], body["company"]) == ("draft", "Draft", books.pk)
    assert body["number"].startswith("ADJ") or body["number"]
    assert body["lines"][0]["quantity"] == "10.000000"
    assert body["lines"][0]["item_detail"]["code"] == "BOLT"

    posted = client.post(url("adjustments", body["id"], "post"))

    assert posted.status_code == 200, posted.json()
    assert (posted.json()["status"], posted.json()["total_value"]) == ("posted", "35.00")
    [balance] = client.get(url("balances"), {"item": item.pk}).json()["results"]
    assert (balance["on_hand"], balance["available"], balance["value"]) == ("10.000000", "10.000000", "35.00")
    assert drain_outbox() == 1
    entry = JournalEntry.objects.get(source_id=body["id"], source_number=body["number"])
    lines = {(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")}
    assert lines == {("1405", Decimal("35.00"), Decimal("0.00")), ("1901", Decimal("0.00"), Decimal("35.00"))}
    assert entry.event.status == OutboxEvent.Status.DONE


def test_an_integrator_repeating_a_post_with_the_same_key_gets_one_document(
    api_client, keeper, books, warehouse, location, item
):
    client = api_client(keeper)
    body = {
        "warehouse": warehouse.pk,
        "reason": "EDI 4711",
        "document_date": TODAY,
        "lines": [{"item": item.pk, "location": location.pk, "quantity": "2"}],
    }

    first = client.post(url("adjustments"), body, headers={"Idempotency-Key": "edi-4711"})
    again = client.post(url("adjustments"), body, headers={"Idempotency-Key": "edi-4711"})
    posted = client.post(url("adjustments", first.json()["id"], "post"), headers={"Idempotency-Key": "edi-4711-post"})
    posted_again = client.post(
        url("adjustments", first.json()["id"], "post"), headers={"Idempotency-Key": "edi-4711-post"}
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert StockAdjustment.objects.count() == 1
    assert posted.status_code == posted_again.status_code == 200
    assert posted_again.headers["Idempotent-Replayed"] == "true"
    assert StockMove.objects.count() == 1
    assert on_hand(item, location) == Decimal("2")


def test_a_draft_is_edited_with_its_lines_under_if_match_and_the_history_shows_it(
    api_client, keeper, books, warehouse, location, other_location, item
):
    client = api_client(keeper)
    created = client.post(
        url("adjustments"),
        {
            "warehouse": warehouse.pk,
            "reason": "found",
            "document_date": TODAY,
            "lines": [
                {"item": item.pk, "location": location.pk, "quantity": "1"},
                {"item": item.pk, "location": other_location.pk, "quantity": "2"},
            ],
        },
    ).json()
    first_line = created["lines"][0]["id"]
    etag = client.get(url("adjustments", created["id"])).headers["ETag"]

    changed = client.patch(
        url("adjustments", created["id"]),
        {
            "reason": "found behind the rack",
            "lines": [{"id": first_line, "item": item.pk, "location": location.pk, "quantity": "4"}],
        },
        headers={"If-Match": etag},
    )
    stale = client.patch(url("adjustments", created["id"]), {"reason": "late writer"}, headers={"If-Match": etag})
    reason_only = client.patch(url("adjustments", created["id"]), {"document_date": TODAY})

    assert changed.status_code == 200, changed.json()
    assert [(line["id"], line["quantity"]) for line in changed.json()["lines"]] == [(first_line, "4.000000")]
    assert changed.headers["ETag"] != etag
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert reason_only.status_code == 200
    assert [line["id"] for line in reason_only.json()["lines"]] == [first_line]
    adjustment = StockAdjustment.objects.get()
    assert adjustment.reason == "found behind the rack"
    history = client.get(url("adjustments", created["id"], "history")).json()
    assert [entry["reason"] for entry in history][-2:] == ["Edited", "Created"]
    assert history[-2]["user"] == "keeper"


def test_a_posted_adjustment_is_not_edited_but_cancelled_with_a_reason(
    api_client, keeper, books, warehouse, location, item, stock, drain_outbox
):
    adjustment = stock(item, location, "4")
    client = api_client(keeper)

    edited = client.patch(url("adjustments", adjustment.pk), {"reason": "changed my mind"})
    no_reason = client.post(url("adjustments", adjustment.pk, "cancel"), {})
    cancelled = client.post(url("adjustments", adjustment.pk, "cancel"), {"reason": "counted twice"})

    assert edited.status_code == 409
    assert edited.json()["error"]["code"] == "invalid_status"
    assert no_reason.status_code == 400
    assert field_codes(no_reason) == {"reason": ["required"]}
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert on_hand(item, location) == Decimal("0")
    drain_outbox()
    assert JournalEntry.objects.filter(source_id=adjustment.pk).count() == 2


def test_posting_more_than_on_hand_is_a_conflict_and_writes_nothing(
    api_client, keeper, books, warehouse, location, item, stock
):
    stock(item, location, "3")
    client = api_client(keeper)
    draft = client.post(
        url("adjustments"),
        {
            "warehouse": warehouse.pk,
            "reason": "broken",
            "document_date": TODAY,
            "lines": [{"item": item.pk, "location": location.pk, "quantity": "-5"}],
        },
    ).json()

    refused = client.post(url("adjustments", draft["id"], "post"))

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "insufficient_stock"
    assert on_hand(item, location) == Decimal("3")
    assert StockAdjustment.objects.get(pk=draft["id"]).status == "draft"


def test_posting_into_a_closed_period_is_refused_and_nothing_is_written(
    api_client, admin_user, keeper, books, warehouse, location, item
):
    from apps.finance.models import Period
    from apps.finance.services import close_period

    client = api_client(keeper)
    draft = client.post(
        url("adjustments"),
        {
            "warehouse": warehouse.pk,
            "reason": "late",
            "document_date": TODAY,
            "lines": [{"item": item.pk, "location": location.pk, "quantity": "5"}],
        },
    ).json()
    close_period(actor=admin_user, period=Period.objects.get(company=books, start_date__lte=TODAY, end_date__gte=TODAY))

    refused = client.post(url("adjustments", draft["id"], "post"))

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "period_closed"
    assert StockMove.objects.count() == 0
    assert OutboxEvent.objects.count() == 0
    assert StockAdjustment.objects.get(pk=draft["id"]).status == "draft"


# --- Transfers ----------------------------------------------------------------------------------


def test_a_transfer_between_warehouses_ships_into_transit_then_is_received(
    api_client, admin_user, books, warehouse, location, item, east, east_bin, stock
):
    stock(item, location, "10")
    client = api_client(admin_user)
    transfer = client.post(
        url("transfers"),
        {
            "from_warehouse": warehouse.pk,
            "to_warehouse": east.pk,
            "document_date": TODAY,
            "note": "restock east",
            "lines": [{"item": item.pk, "from_location": location.pk, "to_location": east_bin.pk, "quantity": "4"}],
        },
    )
    assert transfer.status_code == 201, transfer.json()
    assert transfer.json()["crosses_warehouses"] is True

    shipped = client.post(url("transfers", transfer.json()["id"], "complete"))
    in_transit = StockBalance.objects.get(item=item, location__warehouse=east, location__kind="transit")
    received = client.post(url("transfers", transfer.json()["id"], "receive"), {"received_date": TODAY})

    assert shipped.status_code == 200, shipped.json()
    assert (shipped.json()["status"], shipped.json()["shipped_date"]) == ("in_transit", TODAY)
    assert in_transit.on_hand == Decimal("4")
    assert received.status_code == 200, received.json()
    assert (received.json()["status"], received.json()["received_date"]) == ("done", TODAY)
    assert (on_hand(item, location), on_hand(item, east_bin)) == (Decimal("6"), Decimal("4"))
    in_transit.refresh_from_db()
    assert in_transit.on_hand == 0
    assert list(StockMove.objects.filter(kind__startswith="transit").values_list("kind", flat=True)) == [
        "transit_out",
        "transit_in",
    ]


def test_a_transfer_inside_a_warehouse_completes_at_once_and_can_be_edited_while_a_draft(
    api_client, keeper, books, warehouse, location, other_location, item, stock
):
    stock(item, location, "5")
    client = api_client(keeper)
    line = {"item": item.pk, "from_location": location.pk, "to_location": other_location.pk, "quantity": "1"}
    draft = client.post(
        url("transfers"),
        {"from_warehouse": warehouse.pk, "to_warehouse": warehouse.pk, "document_date": TODAY, "lines": [line]},
    ).json()

    edited = client.put(
        url("transfers", draft["id"]),
        {
            "from_warehouse": warehouse.pk,
            "to_warehouse": warehouse.pk,
            "document_date": TODAY,
            "note": "two after all",
            "lines": [{**line, "id": draft["lines"][0]["id"], "quantity": "2"}],
        },
    )
    done = client.post(url("transfers", draft["id"], "complete"))

    assert edited.status_code == 200, edited.json()
    assert done.json()["status"] == "done"
    assert (on_hand(item, location), on_hand(item, other_location)) == (Decimal("3"), Decimal("2"))


# --- Counts -------------------------------------------------------------------------------------


def test_a_count_freezes_its_locations_records_what_was_found_and_posts_the_difference(
    api_client, keeper, books, warehouse, location, other_location, item, stock, drain_outbox
):
    stock(item, location, "10")
    client = api_client(keeper)
    count = client.post(
        url("counts"), {"warehouse": warehouse.pk, "document_date": TODAY, "locations": [location.pk]}
    ).json()
    assert count["status"] == "draft"

    started = client.post(url("counts", count["id"], "start")).json()
    [line] = started["lines"]
    blocked = client.post(
        url("adjustments"),
        {
            "warehouse": warehouse.pk,
            "reason": "during the count",
            "document_date": TODAY,
            "lines": [{"item": item.pk, "location": location.pk, "quantity": "1"}],
        },
    ).json()
    frozen = client.post(url("adjustments", blocked["id"], "post"))
    recorded = client.post(
        url("counts", count["id"], "record"), {"entries": [{"line": line["id"], "counted_quantity": "8"}]}
    )
    confirmed = client.post(url("counts", count["id"], "confirm"))

    assert (started["status"], line["expected_quantity"], line["counted_quantity"]) == ("counting", "10.000000", None)
    assert frozen.status_code == 409
    assert frozen.json()["error"]["code"] == "location_frozen"
    assert recorded.json()["lines"][0]["difference"] == "-2.000000"
    assert confirmed.status_code == 200, confirmed.json()
    assert (confirmed.json()["status"], confirmed.json()["difference_value"]) == ("confirmed", "-4.00")
    assert on_hand(item, location) == Decimal("8")
    drain_outbox()
    entry = JournalEntry.objects.get(source_number=count["number"])
    assert {(line.account.code, line.credit) for line in entry.lines.select_related("account") if line.credit} == {
        ("1405", Decimal("4.00"))
    }
    assert client.post(url("adjustments", blocked["id"], "post")).status_code == 200  # the freeze is lifted


def test_a_count_is_not_edited_and_can_be_cancelled(api_client, keeper, books, warehouse, location):
    client = api_client(keeper)
    count = client.post(url("counts"), {"warehouse": warehouse.pk, "document_date": TODAY}).json()

    edited = client.patch(url("counts", count["id"]), {"note": "x"})
    cancelled = client.post(url("counts", count["id"], "cancel"), {"reason": "wrong day"})

    assert edited.status_code == 405
    assert cancelled.json()["status"] == "cancelled"


# --- Scope and permissions ----------------------------------------------------------------------


def test_a_keeper_of_one_warehouse_does_not_find_the_documents_and_stock_of_another(
    api_client, admin_user, keeper, books, warehouse, location, item, east, east_bin, stock
):
    stock(item, location, "3")
    stock(item, east_bin, "7")
    east_adjustment = StockAdjustment.objects.get(warehouse=east)
    east_spare = LocationFactory(warehouse=east, code="E-02")
    east_transfer = services.create_transfer(
        actor=admin_user,
        company=books,
        from_warehouse=east,
        to_warehouse=east,
        document_date=date.today(),
        lines=[{"item": item, "from_location": east_bin, "to_location": east_spare, "quantity": Decimal("1")}],
    )
    east_count = services.create_count(actor=admin_user, company=books, warehouse=east, document_date=date.today())
    east_balance = StockBalance.objects.get(location=east_bin)
    client = api_client(keeper)

    for resource, pk in [
        ("adjustments", east_adjustment.pk),
        ("transfers", east_transfer.pk),
        ("counts", east_count.pk),
        ("balances", east_balance.pk),
    ]:
        assert client.get(url(resource, pk)).status_code == 404, resource
        assert pk not in [row["id"] for row in client.get(url(resource)).json()["results"]], resource
    assert client.post(url("adjustments", east_adjustment.pk, "cancel"), {"reason": "x"}).status_code == 404
    assert client.post(url("counts", east_count.pk, "start")).status_code == 404
    ledger = client.get(url("reports", action="item-ledger"), {"item": item.pk}).json()
    assert [row["running_quantity"] for row in ledger["results"]] == ["3.000000"]
    assert {row["to_location_detail"]["code"] for row in ledger["results"]} == {location.code}
    assert field_codes(client.get(url("reports", action="item-ledger"), {"item": item.pk, "warehouse": east.pk})) == {
        "warehouse": ["does_not_exist"]
    }


def test_roles_without_stock_document_permissions_are_refused(api_client, make_user, company, warehouse, books):
    clerk = make_user(username="clerk", roles=["sales_clerk"], companies=[company], warehouses=[warehouse])
    buyer = make_user(username="buyer", roles=["buyer"], companies=[company], warehouses=[warehouse])

    assert api_client(clerk).get(url("adjustments")).status_code == 403
    assert api_client(buyer).get(url("adjustments")).status_code == 200
    refused = api_client(buyer).post(url("adjustments"), {"warehouse": warehouse.pk})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


# --- Hostile and malformed input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"quantity": "abc"}, {"lines.0.quantity": ["invalid"]}),
        ({"quantity": "NaN"}, {"lines.0.quantity": ["invalid"]}),
        ({"quantity": "1e20"}, {"lines.0.quantity": ["max_digits"]}),
        ({"quantity": "99999999999999999999999999"}, {"lines.0.quantity": ["max_digits"]}),
        ({"quantity": "0.0000001"}, {"lines.0.quantity": ["max_decimal_places"]}),
        ({"quantity": "0"}, {"lines.0.quantity": ["invalid"]}),
        ({"quantity": "1", "unit_cost": "-1"}, {"lines.0.unit_cost": ["min_value"]}),
        ({"item": 987654321}, {"lines.0.item": ["does_not_exist"]}),
        ({"item": "bolt"}, {"lines.0.item": ["incorrect_type"]}),
        ({"location": None}, {"lines.0.location": ["null"]}),
        (
            {"item": None, "location": None, "quantity": None},
            {f"lines.0.{f}": ["null"] for f in ("item", "location", "quantity")},
        ),
    ],
)
def test_a_malformed_adjustment_line_is_refused_with_its_path_and_nothing_is_written(
    api_client, keeper, books, warehouse, location, item, line, expected
):
    body = {
        "warehouse": warehouse.pk,
        "reason": "hostile",
        "document_date": TODAY,
        "lines": [{"item": item.pk, "location": location.pk, "quantity": "1", **line}],
    }

    refused = api_client(keeper).post(url("adjustments"), body)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "validation_error"
    assert field_codes(refused) == expected
    assert StockAdjustment.objects.count() == 0
    assert DocumentSequence.objects.filter(document_type=StockAdjustment.DOCUMENT_TYPE).count() == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"lines": ["required"], "warehouse": ["required"], "reason": ["required"], "document_date": ["required"]}),
        ({"lines": []}, {"lines": ["invalid"]}),
        ({"lines": "all of them"}, {"lines.non_field_errors": ["not_a_list"]}),
        ({"warehouse": "main"}, {"warehouse": ["incorrect_type"]}),
        ({"document_date": "31/12/2025"}, {"document_date": ["invalid"]}),
        ({"reason": "x" * 201}, {"reason": ["max_length"]}),
    ],
)
def test_a_malformed_adjustment_is_refused_whole(api_client, keeper, books, warehouse, location, item, body, expected):
    valid = {
        "warehouse": warehouse.pk,
        "reason": "hostile",
        "document_date": TODAY,
        "lines": [{"item": item.pk, "location": location.pk, "quantity": "1"}],
    }
    body = {**valid, **body} if body else {}

    refused = api_client(keeper).post(url("adjustments"), body)

    assert refused.status_code == 400
    assert field_codes(refused) == expected
    assert StockAdjustment.objects.count() == 0


def test_a_location_of_a_warehouse_the_keeper_may_not_see_reads_as_missing(
    api_client, keeper, books, warehouse, location, item, east_bin
):
    refused = api_client(keeper).post(
        url("adjustments"),
        {
            "warehouse": warehouse.pk,
            "reason": "sneaky",
            "document_date": TODAY,
            "lines": [{"item": item.pk, "location": east_bin.pk, "quantity": "1"}],
        },
    )

    assert field_codes(refused) == {"lines.0.location": ["does_not_exist"]}
    assert StockAdjustment.objects.count() == 0


def test_malformed_transfers_and_count_entries_are_refused(
    api_client, admin_user, books, warehouse, location, other_location, item, stock
):
    stock(item, location, "5")
    client = api_client(admin_user)
    negative = client.post(
        url("transfers"),
        {
            "from_warehouse": warehouse.pk,
            "to_warehouse": warehouse.pk,
            "document_date": TODAY,
            "lines": [
                {"item": item.pk, "from_location": location.pk, "to_location": other_location.pk, "quantity": "-3"}
            ],
        },
    )
    count = services.start_count(
        actor=admin_user,
        count=services.create_count(actor=admin_user, company=books, warehouse=warehouse, document_date=date.today()),
    )
    line = count.lines.get()
    bad_entries = client.post(
        url("counts", count.pk, "record"),
        {
            "entries": [
                {"line": line.pk, "counted_quantity": "-1"},
                {"counted_quantity": "1"},
                {"line": 999999, "counted_quantity": "1"},
            ]
        },
    )
    foreign_line = client.post(
        url("counts", count.pk, "record"), {"entries": [{"line": 999999, "counted_quantity": "1"}]}
    )
    no_entries = client.post(url("counts", count.pk, "record"), {"entries": []})

    assert field_codes(negative) == {"lines.0.quantity": ["invalid"]}
    assert StockTransfer.objects.count() == 0
    assert field_codes(bad_entries) == {"entries.0.counted_quantity": ["min_value"], "entries.1.line": ["required"]}
    assert field_codes(foreign_line) == {"entries.0.line": ["invalid"]}
    assert field_codes(no_entries) == {"entries.non_field_errors": ["empty"]}
    line.refresh_from_db()
    assert line.counted_quantity is None
    assert StockCount.objects.get().status == "counting"


# --- Query budgets ------------------------------------------------------------------------------


def test_document_lists_cost_the_same_queries_whatever_their_length(
    api_client, keeper, books, warehouse, location, item, stock, django_assert_max_num_queries
):
    client = api_client(keeper)
    for _ in range(3):
        stock(item, location, "1")
    with django_assert_max_num_queries(12) as few:
        assert client.get(url("adjustments")).json()["count"] == 3
    for _ in range(12):
        stock(item, location, "1")

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("adjustments")).json()["count"] == 15
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("moves")).json()["count"] == 15
    with django_assert_max_num_queries(12):
        assert len(client.get(url("adjustments", StockAdjustment.objects.first().pk)).json()["lines"]) == 1
