"""The planning fixture with known answers: a bicycle made of a frame (itself made of tubes and bolts),
two wheels and four bolts; stock, an open purchase order, a reorder point and two sales orders."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.inventory import services as inventory
from apps.masterdata.models import UnitOfMeasure
from apps.production.models import BillOfMaterials, BomLine
from apps.purchasing import services as purchasing
from apps.sales import services as sales
from tests.factories import ItemFactory, PartnerFactory

TODAY = date.today()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def make_bom(company, item, output: str, *lines: tuple) -> BillOfMaterials:
    """lines: (component, base quantity per output, scrap %)."""
    pcs = UnitOfMeasure.objects.get(code="PCS")
    bom = BillOfMaterials.objects.create(
        company=company, item=item, version="1", output_quantity=Decimal(output), is_active=True
    )
    for component, quantity, scrap in lines:
        BomLine.objects.create(
            bom=bom,
            component=component,
            quantity=Decimal(quantity),
            unit=pcs,
            base_quantity=Decimal(quantity),
            scrap_percent=Decimal(scrap),
        )
    return bom


@dataclass
class Bicycles:
    bike: object
    frame: object
    wheel: object
    tube: object
    bolt: object
    bike_bom: BillOfMaterials
    frame_bom: BillOfMaterials
    supplier: object
    customer: object
    bike_order: object
    wheel_order: object
    purchase_order: object


@pytest.fixture
def supplier(company):
    return PartnerFactory(company=company, code="SUP1", name="Wheel Works", is_supplier=True, is_customer=False)


@pytest.fixture
def customer(company):
    return PartnerFactory(company=company, code="CUS1", name="Harbour Cycles", is_customer=True, is_supplier=False)


def sell(actor, company, customer, warehouse, item, quantity: str, on: date):
    order = sales.create_order(
        actor=actor,
        company=company,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        requested_date=on,
        lines=[{"item": item, "quantity": Decimal(quantity), "price": Decimal("100")}],
    )
    return sales.confirm_order(actor=actor, order=order)


@pytest.fixture
def bicycles(books, admin_user, warehouse, location, supplier, customer) -> Bicycles:
    """BIKE (made, lead 5 d) = 1 FRAME + 2 WHEEL + 4 BOLT per bike.
    FRAME (made, lead 3 d) = per batch of 2 frames: 3 TUBE (10 % scrap) + 2 BOLT.
    WHEEL (bought, lead 7 d), TUBE (bought, lead 10 d), BOLT (bought, lead 2 d, reorder point 50, reorder
    quantity 100). On hand: 2 bikes, 1 frame, 4 wheels, 30 bolts. Open PO: 10 wheels expected in 5 days.
    Sales: 10 bikes wanted in 20 days, 2 wheels (spares) in 10 days, and 5 bikes in 90 days (beyond a
    60-day horizon)."""
    company, actor = books, admin_user
    bike = ItemFactory(company=company, code="BIKE", name="Bicycle", lead_time_days=5)
    frame = ItemFactory(company=company, code="FRAME", name="Frame", lead_time_days=3)
    wheel = ItemFactory(company=company, code="WHEEL", name="Wheel", lead_time_days=7)
    tube = ItemFactory(company=company, code="TUBE", name="Steel tube", lead_time_days=10)
    bolt = ItemFactory(
        company=company,
        code="BOLT",
        name="Bolt",
        lead_time_days=2,
        reorder_point=Decimal("50"),
        reorder_quantity=Decimal("100"),
    )
    bike_bom = make_bom(company, bike, "1", (frame, "1", "0"), (wheel, "2", "0"), (bolt, "4", "0"))
    frame_bom = make_bom(company, frame, "2", (tube, "3", "10"), (bolt, "2", "0"))
    adjustment = inventory.create_adjustment(
        actor=actor,
        company=company,
        warehouse=warehouse,
        reason="opening",
        document_date=TODAY,
        lines=[
            {"item": item, "location": location, "quantity": Decimal(quantity), "unit_cost": Decimal("5")}
            for item, quantity in ((bike, "2"), (frame, "1"), (wheel, "4"), (bolt, "30"))
        ],
    )
    inventory.post_adjustment(actor=actor, adjustment=adjustment)
    purchase_order = purchasing.create_order(
        actor=actor,
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        expected_date=days(5),
        lines=[{"item": wheel, "quantity": Decimal("10"), "price": Decimal("20")}],
    )
    purchasing.confirm_order(actor=actor, order=purchase_order)
    bike_order = sell(actor, company, customer, warehouse, bike, "10", days(20))
    wheel_order = sell(actor, company, customer, warehouse, wheel, "2", days(10))
    sell(actor, company, customer, warehouse, bike, "5", days(90))
    return Bicycles(
        bike, frame, wheel, tube, bolt, bike_bom, frame_bom, supplier, customer, bike_order, wheel_order, purchase_order
    )


@pytest.fixture
def planner(make_user, books, warehouse):
    return make_user(username="planner", roles=["production_planner"], companies=[books], warehouses=[warehouse])
