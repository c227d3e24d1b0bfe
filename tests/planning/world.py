"""A planning world of any size, written with bulk_create (no services: thousands of orders in
seconds), for the query-count test and bench/mrp_run.py.

Items are split into levels: made items at levels 0 to depth − 2, each with an active BOM of two to
four components from the levels below, and bought items at the bottom. Open sales order lines ask for
made items (and some bought ones, as spares); some items have stock, open purchase order lines and
reorder points. All random choices come from one seeded generator, so a world is reproducible.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from apps.inventory.models import StockBalance
from apps.masterdata.models import Company, Currency, Item, Location, Partner, TaxRate, UnitOfMeasure, Warehouse
from apps.production.models import BillOfMaterials, BomLine
from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine
from apps.sales.models import SalesOrder, SalesOrderLine

LINES_PER_ORDER = 10


@dataclass
class World:
    items: int
    boms: int
    demand_lines: int


def _levels(items: list[Item], boms: int, depth: int) -> list[list[Item]]:
    """The made items split over depth − 1 levels (fewer at each level down), the rest bought."""
    made, bought = items[:boms], items[boms:]
    weights = list(range(depth - 1, 0, -1))
    total, start, levels = sum(weights), 0, []
    for index, weight in enumerate(weights):
        end = boms if index == len(weights) - 1 else start + boms * weight // total
        levels.append(made[start:end])
        start = end
    return [*levels, bought]


@transaction.atomic
def build_world(
    *,
    company: Company,
    actor,
    warehouse: Warehouse,
    location: Location,
    items: int,
    boms: int,
    demand_lines: int,
    depth: int = 4,
    seed: int = 7,
    prefix: str = "W",
) -> World:
    rng = random.Random(seed)
    today = date.today()
    pcs = UnitOfMeasure.objects.get(code="PCS")
    vat = TaxRate.objects.get(code="VAT13")
    cny = Currency.objects.get(code="CNY")
    customer, supplier = Partner.objects.bulk_create(
        [
            Partner(
                company=company,
                code=f"{prefix}-CUS",
                name=f"{prefix} customer",
                name_key=f"{prefix}c",
                is_customer=True,
            ),
            Partner(
                company=company,
                code=f"{prefix}-SUP",
                name=f"{prefix} supplier",
                name_key=f"{prefix}s",
                is_supplier=True,
            ),
        ]
    )
    created = Item.objects.bulk_create(
        [
            Item(
                company=company,
                code=f"{prefix}{n:06d}",
                name=f"{prefix} item {n}",
                name_key=f"{prefix} item {n}",
                base_unit=pcs,
                tax_rate=vat,
                lead_time_days=rng.randint(0, 10),
                reorder_point=Decimal(rng.choice([0, 0, 0, 20])) if n >= boms else Decimal(0),
                reorder_quantity=Decimal(rng.choice([0, 50])),
            )
            for n in range(items)
        ]
    )
    levels = _levels(created, boms, depth)
    bom_rows = BillOfMaterials.objects.bulk_create(
        [
            BillOfMaterials(
                company=company, item=item, version="1", output_quantity=Decimal(rng.choice([1, 1, 2])), is_active=True
            )
            for level in levels[:-1]
            for item in level
        ]
    )
    lines, position = [], 0
    for depth_index, level in enumerate(levels[:-1]):
        below = [item for lower in levels[depth_index + 1 :] for item in lower]
        for _item in level:
            bom = bom_rows[position]
            position += 1
            for component in rng.sample(below, rng.randint(2, 4)):
                quantity = Decimal(rng.randint(1, 4))
                lines.append(
                    BomLine(
                        bom=bom,
                        component=component,
                        quantity=quantity,
                        unit=pcs,
                        base_quantity=quantity,
                        scrap_percent=Decimal(rng.choice([0, 0, 5])),
                    )
                )
    BomLine.objects.bulk_create(lines)
    StockBalance.objects.bulk_create(
        [
            StockBalance(
                company=company, item=item, warehouse=warehouse, location=location, on_hand=Decimal(rng.randint(1, 40))
            )
            for item in created
            if rng.random() < 0.5
        ]
    )
    _sales(company, actor, warehouse, customer, cny, vat, pcs, levels, demand_lines, rng, today, prefix)
    _purchases(company, actor, warehouse, supplier, cny, vat, pcs, levels[-1], rng, today, prefix)
    return World(items=items, boms=boms, demand_lines=demand_lines)


def _sales(company, actor, warehouse, customer, cny, vat, pcs, levels, count, rng, today, prefix) -> None:
    wanted = [*levels[0], *levels[-1][:50]]
    orders = SalesOrder.objects.bulk_create(
        [
            SalesOrder(
                company=company,
                number=f"{prefix}-SO-{n}",
                status=SalesOrder.Status.CONFIRMED,
                document_date=today,
                created_by=actor,
                modified_by=actor,
                customer=customer,
                currency=cny,
                warehouse=warehouse,
                requested_date=today + timedelta(days=rng.randint(0, 60)),
            )
            for n in range(-(-count // LINES_PER_ORDER))
        ]
    )
    SalesOrderLine.objects.bulk_create(
        [
            SalesOrderLine(
                order=orders[n // LINES_PER_ORDER],
                item=item,
                quantity=quantity,
                unit=pcs,
                base_quantity=quantity,
                price=Decimal(10),
                tax_rate=vat,
                warehouse=warehouse,
            )
            for n in range(count)
            for item, quantity in [(rng.choice(wanted), Decimal(rng.randint(1, 20)))]
        ]
    )


def _purchases(company, actor, warehouse, supplier, cny, vat, pcs, bought, rng, today, prefix) -> None:
    chosen = rng.sample(bought, len(bought) // 5)
    orders = PurchaseOrder.objects.bulk_create(
        [
            PurchaseOrder(
                company=company,
                number=f"{prefix}-PO-{n}",
                status=PurchaseOrder.Status.CONFIRMED,
                document_date=today,
                created_by=actor,
                modified_by=actor,
                supplier=supplier,
                currency=cny,
                warehouse=warehouse,
                expected_date=today + timedelta(days=rng.randint(1, 30)),
            )
            for n in range(-(-len(chosen) // LINES_PER_ORDER))
        ]
    )
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                order=orders[n // LINES_PER_ORDER],
                item=item,
                quantity=quantity,
                unit=pcs,
                base_quantity=quantity,
                price=Decimal(5),
                tax_rate=vat,
                warehouse=warehouse,
            )
            for n, item in enumerate(chosen)
            for quantity in [Decimal(rng.randint(10, 100))]
        ]
    )
