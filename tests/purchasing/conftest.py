from decimal import Decimal

import pytest

from apps.masterdata.models import UnitConversion, UnitOfMeasure
from tests.factories import ItemFactory, PartnerFactory


@pytest.fixture
def supplier(company):
    return PartnerFactory(company=company, code="SUP1", name="Steel Supplier Co.", is_supplier=True, is_customer=False)


@pytest.fixture
def boxed_item(company):
    """Bought by the box of 12, stocked by the piece."""
    box, pcs = UnitOfMeasure.objects.get(code="BOX"), UnitOfMeasure.objects.get(code="PCS")
    item = ItemFactory(company=company, code="SCREW", name="Screw", base_unit=pcs, purchase_unit=box)
    UnitConversion.objects.create(item=item, from_unit=box, to_unit=pcs, factor=Decimal("12"))
    return item
