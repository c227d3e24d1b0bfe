from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from apps.core.documents import TransitionError
from apps.core.models import OutboxEvent
from apps.finance import selectors as books_selectors
from apps.finance.models import Account
from apps.inventory.models import Reservation, StockBalance
from apps.inventory.services import StockError
from apps.production import selectors, services
from apps.production.models import BillOfMaterials, MaterialIssue, WorkOrder

from .conftest import TODAY
from .flow import make_bikes, make_frames

pytestmark = pytest.mark.django_db


def balance(company, code: str) -> Decimal:
    return books_selectors.account_balance(account=Account.objects.get(company=company, code=code), as_of=TODAY)


def test_bom_lines_convert_to_base_and_one_version_stays_active(admin_user, company, frame, steel, frame_bom):
    assert frame_bom.is_active and frame_bom.lines.get().base_quantity == Decimal("2")
    second = services.create_bom(
        actor=admin_user,
        company=company,
        item=frame,
        version="2",
        lines=[{"component": steel, "quantity": Decimal("3")}],
        activate=True,
    )
    frame_bom.refresh_from_db()
    assert second.is_active and not frame_bom.is_active
    assert list(BillOfMaterials.objects.filter(item=frame, is_active=True)) == [second]
    assert frame_bom.history.first().history_change_reason == "Replaced by version 2"


def test_a_bom_cycle_is_refused_with_its_path(admin_user, company, bike, frame, steel, bike_bom):
    with pytest.raises(services.ProductionError) as refused:
        services.create_bom(
            actor=admin_user,
            company=company,
            item=steel,
            version="1",
            lines=[{"component": bike, "quantity": Decimal("1")}],
        )
    assert refused.value.code == "bom_cycle"
    assert "STEEL → BIKE → FRAME → STEEL" in refused.value.message
    assert not BillOfMaterials.objects.filter(item=steel).exists()


def test_a_bom_naming_its_own_item_is_refused(admin_user, company, frame):
    with pytest.raises(services.ProductionError, match="FRAME → FRAME"):
        services.create_bom(
            actor=admin_user,
            company=company,
            item=frame,
            version="9",
            lines=[{"component": frame, "quantity": Decimal("1")}],
        )


def test_bad_bom_lines_are_refused_by_field(admin_user, company, frame, steel):
    with pytest.raises(ValidationError) as refused:
        services.create_bom(
            actor=admin_user,
            company=company,
            item=frame,
            version="",
            lines=[
                {"component": steel, "quantity": Decimal("0")},
                {"component": steel, "quantity": Decimal("1"), "scrap_percent": Decimal("100")},
            ],
        )
    assert set(refused.value.message_dict) == {"version", "lines.0.quantity", "lines.1.scrap_percent"}
    assert not BillOfMaterials.objects.exists()


def test_cost_rollup_goes_level_by_level_at_moving_average(plant_stock, bike_bom):
    rollup = selectors.cost_rollup(bike_bom)
    rows = {(row.level, row.code): row for row in rollup.flat()}
    assert rows[(1, "FRAME")].quantity_per_unit == Decimal("1") and rows[(1, "FRAME")].has_bom
    assert rows[(2, "STEEL")].quantity_per_unit == Decimal("2.1")
    assert rows[(2, "STEEL")].material_cost == Decimal("6.30")  # 2.1 × 3.00
    assert rows[(1, "RESIN")].average_cost == Decimal("8.5")  # (80 + 90) / 20
    assert rollup.rolled_cost == Decimal("10.55")  # 6.30 + 0.5 × 8.50


def test_release_freezes_the_bom_and_reserves_components(admin_user, plant_stock, frame_order, frame_bom):
    services.release_work_order(actor=admin_user, work_order=frame_order)
    frame_order.refresh_from_db()
    component = frame_order.components.get()
    assert frame_order.status == WorkOrder.Status.RELEASED and frame_order.bom == frame_bom
    assert component.required_quantity == Decimal("21") and component.reserved_quantity == Decimal("21")
    assert StockBalance.objects.get(item=component.item).reserved == Decimal("21")


def test_release_without_enough_stock_leaves_a_shortage(admin_user, books, frame_order):
    services.release_work_order(actor=admin_user, work_order=frame_order)
    component = frame_order.components.get()
    assert component.reserved_quantity == 0 and component.shortage == Decimal("21")


def test_release_refuses_an_item_without_active_bom(admin_user, books, warehouse, steel):
    order = services.create_work_order(
        actor=admin_user, company=books, item=steel, quantity=Decimal("1"), due_date=TODAY, warehouse=warehouse
    )
    with pytest.raises(services.ProductionError, match="no active bill of materials"):
        services.release_work_order(actor=admin_user, work_order=order)
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DRAFT and not order.components.exists()


def test_release_refuses_a_version_not_valid_today(admin_user, plant_stock, frame_order, frame_bom):
    BillOfMaterials.objects.filter(pk=frame_bom.pk).update(valid_from=TODAY + timedelta(days=1))
    with pytest.raises(services.ProductionError) as refused:
        services.release_work_order(actor=admin_user, work_order=frame_order)
    assert refused.value.code == "bom_not_valid"


def test_cancel_releases_the_reservations(admin_user, plant_stock, frame_order):
    services.release_work_order(actor=admin_user, work_order=frame_order)
    services.cancel_work_order(actor=admin_user, work_order=frame_order, reason="customer cancelled")
    frame_order.refresh_from_db()
    assert frame_order.status == WorkOrder.Status.CANCELLED
    assert StockBalance.objects.get(item__code="STEEL").reserved == 0
    assert not Reservation.objects.filter(status=Reservation.Status.OPEN).exists()
    assert frame_order.history.first().history_change_reason == "customer cancelled"


def test_cancel_is_refused_once_material_was_issued(admin_user, plant_stock, frame_order, location, steel):
    services.release_work_order(actor=admin_user, work_order=frame_order)
    services.issue_materials(
        actor=admin_user, work_order=frame_order, lines=[services.IssueLine(steel, Decimal("5"), location)]
    )
    with pytest.raises(services.ProductionError) as refused:
        services.cancel_work_order(actor=admin_user, work_order=frame_order, reason="no")
    assert refused.value.code == "work_order_has_postings"


def test_issue_moves_stock_into_wip_at_moving_average(
    admin_user, plant_stock, frame_order, location, steel, drain_outbox
):
    services.release_work_order(actor=admin_user, work_order=frame_order)
    issue = services.issue_materials(
        actor=admin_user, work_order=frame_order, lines=[services.IssueLine(steel, Decimal("21"), location)]
    )
    frame_order.refresh_from_db()
    assert frame_order.status == WorkOrder.Status.IN_PROGRESS
    assert issue.total_value == Decimal("63.00") and frame_order.issued_cost == Decimal("63.00")
    stock = StockBalance.objects.get(item=steel)
    assert (stock.on_hand, stock.reserved) == (Decimal("79"), Decimal("0"))
    drain_outbox()
    assert balance(frame_order.company, "5001") == Decimal("63.00")


def test_issue_refuses_an_item_not_on_the_order(admin_user, plant_stock, frame_order, location, resin):
    services.release_work_order(actor=admin_user, work_order=frame_order)
    with pytest.raises(ValidationError) as refused:
        services.issue_materials(
            actor=admin_user, work_order=frame_order, lines=[services.IssueLine(resin, Decimal("1"), location)]
        )
    assert "lines.0.item" in refused.value.message_dict
    assert not MaterialIssue.objects.exists()


def test_issue_to_a_draft_order_is_refused(admin_user, plant_stock, frame_order, location, steel):
    with pytest.raises(TransitionError):
        services.issue_materials(
            actor=admin_user, work_order=frame_order, lines=[services.IssueLine(steel, Decimal("1"), location)]
        )


def test_scrap_needs_a_reason(admin_user, plant_stock, frame_order):
    services.release_work_order(actor=admin_user, work_order=frame_order)
    with pytest.raises(ValidationError) as refused:
        services.post_output(
            actor=admin_user,
            work_order=frame_order,
            quantity=Decimal("1"),
            scrap_quantity=Decimal("1"),
            lot_number="F9",
        )
    assert "scrap_reason" in refused.value.message_dict


def test_backflush_issues_components_with_each_output(admin_user, plant_stock, frame_order, steel):
    WorkOrder.objects.filter(pk=frame_order.pk).update(backflush=True)
    services.release_work_order(actor=admin_user, work_order=frame_order)
    output = services.post_output(actor=admin_user, work_order=frame_order, quantity=Decimal("4"), lot_number="F1")
    frame_order.refresh_from_db()
    issue = frame_order.issues.get()
    assert issue.backflushed and issue.lines.get().quantity == Decimal("8.4")  # 4 × 2 × 1.05
    assert output.value == Decimal("25.20") == issue.total_value  # 8.4 × 3.00
    assert frame_order.components.get().reserved_quantity == Decimal("12.6")


def test_backflush_beyond_the_reservations_takes_free_stock_and_refuses_a_shortage(
    admin_user, plant_stock, frame_order, steel, location
):
    WorkOrder.objects.filter(pk=frame_order.pk).update(backflush=True)
    services.release_work_order(actor=admin_user, work_order=frame_order)  # reserves 21 of the 100 steel
    services.post_output(actor=admin_user, work_order=frame_order, quantity=Decimal("12"), lot_number="F1")
    issued = {line.quantity for line in frame_order.issues.get().lines.all()}
    assert sum(issued) == Decimal("25.2")  # 12 × 2 × 1.05: the 21 reserved, then 4.2 of free stock
    balance = StockBalance.objects.get(item=steel, location=location)
    assert (balance.on_hand, balance.reserved) == (Decimal("74.8"), Decimal("0"))

    with pytest.raises(StockError) as refused:
        services.post_output(actor=admin_user, work_order=frame_order, quantity=Decimal("50"), lot_number="F2")
    assert refused.value.code == "insufficient_stock" and "to backflush" in refused.value.message
    assert frame_order.issues.count() == 1 and frame_order.outputs.count() == 1


def test_two_level_build_reconciles_and_traces(
    admin_user, plant_stock, frame_order, bike_bom, books, bike, warehouse, location, resin, frame, drain_outbox
):
    frames = make_frames(actor=admin_user, frame_order=frame_order, location=location)
    assert frames.status == WorkOrder.Status.CLOSED and frames.variance == 0
    assert frames.outputs.get().value == Decimal("63.00")
    bikes = make_bikes(
        actor=admin_user, company=books, bike=bike, warehouse=warehouse, location=location, resin=resin, frame=frame
    )
    assert bikes.issued_cost == Decimal("42.20")
    assert [o.value for o in bikes.outputs.order_by("id")] == [Decimal("10.55"), Decimal("21.10")]
    assert bikes.output_quantity == 3 and bikes.scrap_quantity == 1 and bikes.variance == Decimal("10.55")

    drain_outbox()
    assert not OutboxEvent.objects.exclude(status=OutboxEvent.Status.DONE).exists()
    assert balance(books, "5001") == selectors.wip_total(company=books) == 0
    assert balance(books, "640102") == Decimal("10.55")
    stock_value = StockBalance.objects.filter(company=books).aggregate(total=Sum("value"))["total"]
    assert balance(books, "1405") == stock_value == Decimal("459.45")  # 470.00 opening − 10.55 scrapped

    bike_lot = bike.lots.get(number="B1")
    assert {lot.number for lot in frame.lots.all() | resin.lots.all() if lot.pk in selectors.trace_down(bike_lot)} == {
        "F1",
        "R1",
    }
    assert selectors.trace_up(resin.lots.get(number="R1")) == {bike_lot.pk}
