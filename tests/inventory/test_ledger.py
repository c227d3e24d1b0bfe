"""The ledger engine's rules: moving-average cost recomputed on every receipt, negative stock only
where the company allows it, and reservations that hold stock back from other issues until released."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from apps.inventory import services
from apps.inventory.models import InventorySettings, ItemCost, Reservation, StockBalance, StockMove
from apps.inventory.services import ReservationRequest, StockError

pytestmark = pytest.mark.django_db


def adjust(actor, company, warehouse, location, item, quantity, cost=None):
    line = {"item": item, "location": location, "quantity": Decimal(quantity)}
    if cost is not None:
        line["unit_cost"] = Decimal(cost)
    draft = services.create_adjustment(
        actor=actor, company=company, warehouse=warehouse, reason="test", document_date=date.today(), lines=[line]
    )
    return services.post_adjustment(actor=actor, adjustment=draft)


def test_each_receipt_recomputes_the_moving_average_and_issues_leave_at_it(
    books, admin_user, warehouse, location, item
):
    adjust(admin_user, books, warehouse, location, item, "10", "2")
    adjust(admin_user, books, warehouse, location, item, "30", "4")
    assert ItemCost.objects.get(item=item).average_cost == Decimal("3.5")

    issue = adjust(admin_user, books, warehouse, location, item, "-4")

    move = StockMove.objects.get(source_id=issue.pk, from_location=location)
    assert (move.unit_cost, move.value) == (Decimal("3.5"), Decimal("14.00"))
    balance = StockBalance.objects.get(item=item, location=location)
    assert (balance.on_hand, balance.value) == (Decimal("36"), Decimal("126.00"))


def test_negative_stock_only_where_the_company_allows_it(books, admin_user, warehouse, location, item):
    with pytest.raises(StockError) as refused:
        adjust(admin_user, books, warehouse, location, item, "-2", "1")
    assert refused.value.code == "insufficient_stock"
    assert not StockMove.objects.exists()

    InventorySettings.objects.create(company=books, allow_negative_stock=True)
    adjust(admin_user, books, warehouse, location, item, "-2", "1")

    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("-2")


def test_reserved_stock_is_not_available_to_other_issues_until_released(books, admin_user, warehouse, location, item):
    holder = adjust(admin_user, books, warehouse, location, item, "5", "1")
    with transaction.atomic():
        services.reserve(
            company=books,
            requests=[ReservationRequest(item=item, quantity=Decimal("3"), warehouse_id=warehouse.pk)],
            source=holder,
            actor=admin_user,
        )
    balance = StockBalance.objects.get(item=item, location=location)
    assert (balance.on_hand, balance.reserved, balance.available) == (Decimal("5"), Decimal("3"), Decimal("2"))

    with pytest.raises(StockError) as refused:
        adjust(admin_user, books, warehouse, location, item, "-3")
    assert refused.value.code == "insufficient_stock"

    with transaction.atomic():
        assert services.release_reservations(source=holder, actor=admin_user) == 1
    adjust(admin_user, books, warehouse, location, item, "-3")

    balance.refresh_from_db()
    assert (balance.on_hand, balance.reserved) == (Decimal("2"), Decimal("0"))
    assert Reservation.objects.get().status == Reservation.Status.CLOSED
