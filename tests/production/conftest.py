"""A small plant: steel makes frames (lot-tracked), frames and resin (lot-tracked) make bikes (lot-tracked).

Opening stock: 100 steel at 3.00 in A-01; resin lot R1 (expiring first) 10 at 8.00 and lot R2 10 at
9.00 in A-02. The frame BOM: 2 steel per frame, 5 % scrap. The bike BOM, per 2 bikes: 2 frames and
1 resin.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.inventory import services as inventory
from apps.production import services
from tests.factories import ItemFactory

TODAY = date.today()


@pytest.fixture
def steel(company):
    return ItemFactory(company=company, code="STEEL", name="Steel tube", standard_price=Decimal("3"))


@pytest.fixture
def resin(company):
    return ItemFactory(company=company, code="RESIN", name="Resin", lot_tracked=True, standard_price=Decimal("8"))


@pytest.fixture
def frame(company):
    return ItemFactory(company=company, code="FRAME", name="Frame", lot_tracked=True, standard_price=Decimal("0"))


@pytest.fixture
def bike(company):
    return ItemFactory(company=company, code="BIKE", name="Bike", lot_tracked=True, standard_price=Decimal("0"))


@pytest.fixture
def frame_bom(admin_user, company, frame, steel):
    return services.create_bom(
        actor=admin_user,
        company=company,
        item=frame,
        version="1",
        lines=[{"component": steel, "quantity": Decimal("2"), "scrap_percent": Decimal("5")}],
        activate=True,
    )


@pytest.fixture
def bike_bom(admin_user, company, bike, frame, resin, frame_bom):
    return services.create_bom(
        actor=admin_user,
        company=company,
        item=bike,
        version="1",
        output_quantity=Decimal("2"),
        lines=[{"component": frame, "quantity": Decimal("2")}, {"component": resin, "quantity": Decimal("1")}],
        activate=True,
    )


@pytest.fixture
def plant_stock(books, admin_user, warehouse, location, other_location, steel, resin):
    adjustment = inventory.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=TODAY,
        lines=[
            {"item": steel, "location": location, "quantity": Decimal("100"), "unit_cost": Decimal("3")},
            {
                "item": resin,
                "location": other_location,
                "quantity": Decimal("10"),
                "unit_cost": Decimal("9"),
                "lot_number": "R2",
                "expiry_date": TODAY + timedelta(days=90),
            },
            {
                "item": resin,
                "location": other_location,
                "quantity": Decimal("10"),
                "unit_cost": Decimal("8"),
                "lot_number": "R1",
                "expiry_date": TODAY + timedelta(days=30),
            },
        ],
    )
    inventory.post_adjustment(actor=admin_user, adjustment=adjustment)
    return adjustment


@pytest.fixture
def frame_order(admin_user, books, frame, warehouse, location, frame_bom):
    """10 frames, made into A-01."""
    return services.create_work_order(
        actor=admin_user,
        company=books,
        item=frame,
        quantity=Decimal("10"),
        due_date=TODAY + timedelta(days=7),
        warehouse=warehouse,
        output_location=location,
    )
