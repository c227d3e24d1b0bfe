"""The stock ledger refuses what would corrupt it, and writes nothing when it does: a move of a
lot-tracked item without its lot, and any change to a posted move (in Django, and on PostgreSQL by
a trigger beneath it)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from apps.core.models import OutboxEvent
from apps.inventory import services
from apps.inventory.models import ItemCost, Lot, StockAdjustment, StockBalance, StockMove, StockTransfer
from apps.inventory.services import StockError
from apps.inventory.services.ledger import MoveLine, post_moves

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not (
        StockMove.objects.exists()
        or StockBalance.objects.exists()
        or ItemCost.objects.filter(quantity__gt=0).exists()
        or OutboxEvent.objects.exists()
    )


def receive(actor, company, warehouse, location, item, quantity="5", **lot) -> StockAdjustment:
    adjustment = services.create_adjustment(
        actor=actor,
        company=company,
        warehouse=warehouse,
        reason="opening",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal("2"), **lot}],
    )
    return services.post_adjustment(actor=actor, adjustment=adjustment)


def test_a_move_of_a_lot_tracked_item_without_a_lot_is_refused_by_the_ledger(
    books, admin_user, warehouse, location, lot_item
):
    source = services.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="found",
        document_date=date.today(),
        lines=[{"item": lot_item, "location": location, "quantity": Decimal("1"), "lot_number": "L1"}],
    )

    with pytest.raises(StockError) as refused, transaction.atomic():
        post_moves(
            company=books,
            kind=StockMove.Kind.ADJUSTMENT,
            lines=[MoveLine(item=lot_item, quantity=Decimal("1"), to_location=location)],
            source=source,
            source_number=source.number,
            move_date=date.today(),
            actor=admin_user,
        )

    assert refused.value.code == "lot_required"
    assert nothing_written()


def test_an_adjustment_of_a_lot_tracked_item_without_a_lot_writes_nothing(
    books, admin_user, warehouse, location, lot_item
):
    with pytest.raises(ValidationError) as refused:
        receive(admin_user, books, warehouse, location, lot_item)

    assert "lines.0.lot_number" in refused.value.message_dict
    assert not StockAdjustment.objects.exists()
    assert nothing_written()


def test_a_transfer_of_a_lot_tracked_item_without_a_lot_writes_nothing(
    books, admin_user, warehouse, location, other_location, lot_item
):
    receive(admin_user, books, warehouse, location, lot_item, lot_number="L1")
    moves_before = StockMove.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.create_transfer(
            actor=admin_user,
            company=books,
            from_warehouse=warehouse,
            to_warehouse=warehouse,
            document_date=date.today(),
            lines=[{"item": lot_item, "from_location": location, "to_location": other_location, "quantity": 1}],
        )

    assert "lines.0.lot" in refused.value.message_dict
    assert not StockTransfer.objects.exists()
    assert StockMove.objects.count() == moves_before
    lot = Lot.objects.get(item=lot_item, number="L1")
    assert StockBalance.objects.get(item=lot_item, location=location, lot=lot).on_hand == Decimal("5")


def test_a_posted_move_is_neither_updated_nor_deleted(books, admin_user, warehouse, location, item):
    receive(admin_user, books, warehouse, location, item)
    move = StockMove.objects.get()

    move.quantity = Decimal("2")
    with pytest.raises(TypeError):
        move.save()
    with pytest.raises(TypeError):
        move.delete()
    with pytest.raises(TypeError):
        StockMove.objects.filter(pk=move.pk).update(quantity=Decimal("3"))
    with pytest.raises(TypeError):
        StockMove.objects.filter(pk=move.pk).delete()

    stored = StockMove.objects.get(pk=move.pk)
    assert (stored.quantity, stored.value) == (Decimal("5"), Decimal("10.00"))
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("5")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    ["UPDATE inventory_stockmove SET quantity = 3 WHERE id = %s", "DELETE FROM inventory_stockmove WHERE id = %s"],
)
def test_the_database_refuses_to_change_a_posted_move(books, admin_user, warehouse, location, item, statement):
    receive(admin_user, books, warehouse, location, item)
    move = StockMove.objects.get()

    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [move.pk])

    assert StockMove.objects.get(pk=move.pk).quantity == Decimal("5")
