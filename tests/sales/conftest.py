from decimal import Decimal

import pytest

from tests.factories import PartnerFactory


@pytest.fixture
def customer(company):
    """A customer with a credit limit of 1,000.00."""
    return PartnerFactory(
        company=company,
        code="CUS1",
        name="Harbour Trading Co.",
        is_customer=True,
        is_supplier=False,
        credit_limit=Decimal("1000"),
    )


@pytest.fixture
def stock(books, admin_user, warehouse, location, other_location, item, lot_item):
    """20 bolts at 4.00 in A-01; glue lot L1 (expiring first) and lot L2 in A-02, 10 each at 3.00."""
    from datetime import date, timedelta

    from apps.inventory import services as inventory

    adjustment = inventory.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=date.today(),
        lines=[
            {"item": item, "location": location, "quantity": Decimal("20"), "unit_cost": Decimal("4")},
            {
                "item": lot_item,
                "location": other_location,
                "quantity": Decimal("10"),
                "unit_cost": Decimal("3"),
                "lot_number": "L2",
                "expiry_date": date.today() + timedelta(days=90),
            },
            {
                "item": lot_item,
                "location": other_location,
                "quantity": Decimal("10"),
                "unit_cost": Decimal("3"),
                "lot_number": "L1",
                "expiry_date": date.today() + timedelta(days=30),
            },
        ],
    )
    inventory.post_adjustment(actor=admin_user, adjustment=adjustment)
    return adjustment
