from datetime import date
from decimal import Decimal

import pytest

from apps.core.models import OutboxEvent
from apps.finance.models import JournalEntry
from apps.inventory import services
from apps.inventory.models import ItemCost, StockBalance, StockMove
from apps.inventory.services import StockError

pytestmark = pytest.mark.django_db


def adjust(actor, company, warehouse, lines, *, post=True):
    adjustment = services.create_adjustment(
        actor=actor, company=company, warehouse=warehouse, reason="found", document_date=date.today(), lines=lines
    )
    return services.post_adjustment(actor=actor, adjustment=adjustment) if post else adjustment


def test_adding_stock_values_it_and_posts_inventory_against_adjustment(
    books, admin_user, warehouse, location, item, drain_outbox
):
    adjustment = adjust(
        admin_user,
        books,
        warehouse,
        [
            {"item": item, "location": location, "quantity": Decimal("10"), "unit_cost": Decimal("3.5")},
        ],
    )
    assert drain_outbox() == 1

    balance = StockBalance.objects.get(item=item, location=location)
    assert (balance.on_hand, balance.value) == (Decimal("10"), Decimal("35.00"))
    assert ItemCost.objects.get(item=item).average_cost == Decimal("3.5")
    assert adjustment.status == "posted" and adjustment.total_value == Decimal("35.00")
    entry = JournalEntry.objects.get(event__source_id=adjustment.pk)
    lines = {(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")}
    assert lines == {("1405", Decimal("35.00"), Decimal("0")), ("1901", Decimal("0"), Decimal("35.00"))}
    assert OutboxEvent.objects.get().status == "done"


def test_removing_more_than_on_hand_is_refused_and_nothing_written(books, admin_user, warehouse, location, item):
    adjust(admin_user, books, warehouse, [{"item": item, "location": location, "quantity": Decimal("5")}])
    draft = adjust(
        admin_user, books, warehouse, [{"item": item, "location": location, "quantity": Decimal("-6")}], post=False
    )

    with pytest.raises(StockError) as refused:
        services.post_adjustment(actor=admin_user, adjustment=draft)

    assert refused.value.code == "insufficient_stock"
    assert StockBalance.objects.get(item=item, location=location).on_hand == Decimal("5")
    assert StockMove.objects.count() == 1
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_cancel_reverses_at_original_value(books, admin_user, warehouse, location, item, drain_outbox):
    adjustment = adjust(
        admin_user,
        books,
        warehouse,
        [
            {"item": item, "location": location, "quantity": Decimal("4"), "unit_cost": Decimal("2.5")},
        ],
    )
    services.cancel_adjustment(actor=admin_user, adjustment=adjustment, reason="typo")
    drain_outbox()

    balance = StockBalance.objects.get(item=item, location=location)
    assert (balance.on_hand, balance.value) == (Decimal("0"), Decimal("0"))
    assert JournalEntry.objects.count() == 2


def test_lot_tracked_item_needs_a_lot(books, admin_user, warehouse, location, lot_item):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        adjust(admin_user, books, warehouse, [{"item": lot_item, "location": location, "quantity": Decimal("1")}])
    assert StockMove.objects.count() == 0


def test_posted_move_cannot_be_updated(books, admin_user, warehouse, location, item):
    adjust(admin_user, books, warehouse, [{"item": item, "location": location, "quantity": Decimal("1")}])
    move = StockMove.objects.get()
    move.quantity = Decimal("2")
    with pytest.raises(TypeError):
        move.save()
    with pytest.raises(TypeError):
        StockMove.objects.update(quantity=Decimal("3"))
