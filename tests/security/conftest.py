"""A company with documents in every module, a user with broad rights in it, and a stranger from another company."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from knox.models import AuthToken

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRule
from apps.core.access import forget_permissions
from apps.inventory import services as inventory
from apps.masterdata.models import Company, Item, Location, Partner, Warehouse
from apps.production.models import WorkOrder
from apps.purchasing import services as purchasing
from apps.purchasing.models import PurchaseOrder
from apps.sales import services as sales
from apps.sales.models import SalesOrder
from tests.factories import (
    CompanyFactory,
    ItemCategoryFactory,
    ItemFactory,
    LocationFactory,
    PartnerFactory,
    WarehouseFactory,
)

from . import documents

TODAY = date.today()


@dataclass
class World:
    company: Company
    warehouse: Warehouse
    location: Location
    item: Item
    supplier: Partner
    customer: Partner
    purchase_order: PurchaseOrder
    sales_order: SalesOrder
    work_order: WorkOrder  # in progress, of lot-tracked frames made of two bolts (documents.make_work_order)


def populate(actor, company: Company) -> World:
    """Stock, a received purchase order, a delivered sales order, their paperwork and a work order in progress:
    the main documents' lists have rows (add_every_record adds the rest)."""
    warehouse = WarehouseFactory(company=company, code="MAIN", name="Main warehouse")
    location = LocationFactory(warehouse=warehouse, code="A-01")
    item = ItemFactory(company=company, code="BOLT", name="Bolt M8", standard_price=Decimal("2.00"))
    supplier = PartnerFactory(company=company, code="SUP1", name="Steel Supplier", is_supplier=True, is_customer=False)
    customer = PartnerFactory(company=company, code="CUS1", name="Harbour Trading", is_customer=True)
    adjustment = inventory.create_adjustment(
        actor=actor,
        company=company,
        warehouse=warehouse,
        reason="opening",
        document_date=TODAY,
        lines=[{"item": item, "location": location, "quantity": Decimal("50"), "unit_cost": Decimal("4")}],
    )
    inventory.post_adjustment(actor=actor, adjustment=adjustment)
    order = purchasing.create_order(
        actor=actor,
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        expected_date=TODAY,
        lines=[{"item": item, "quantity": Decimal("10"), "price": Decimal("4")}],
    )
    order = purchasing.confirm_order(actor=actor, order=order)
    receipt = purchasing.create_receipt(
        actor=actor,
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"order_line": order.lines.get(), "quantity": Decimal("4"), "location": location}],
    )
    purchasing.post_receipt(actor=actor, receipt=receipt)
    sales_order = sales.create_order(
        actor=actor,
        company=company,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        lines=[{"item": item, "quantity": Decimal("3"), "price": Decimal("9")}],
    )
    sales_order = sales.confirm_order(actor=actor, order=sales_order)
    delivery = sales.create_delivery(
        actor=actor,
        order=sales_order,
        document_date=TODAY,
        lines=[{"order_line": sales_order.lines.get(), "quantity": Decimal("1"), "location": location}],
    )
    sales.post_delivery(actor=actor, delivery=delivery)
    _paperwork(actor, company, warehouse, location, item, supplier, customer, receipt, delivery)
    work_order = documents.make_work_order(actor, company, warehouse, location, item)
    drain_outbox()
    order.refresh_from_db()
    sales_order.refresh_from_db()
    return World(company, warehouse, location, item, supplier, customer, order, sales_order, work_order)


def add_every_record(actor, world: World) -> World:
    """The rest of the company's records, for the tests that try every route: planning, returns, credit notes,
    price lists, journals, webhooks, imports, merges, delegations, notifications."""
    documents.operations(actor, world.company)  # first: its webhook subscription takes the events below
    documents.run_plan(actor, world.company)
    documents.return_and_credit(actor, world.company, world.warehouse, world.supplier, world.customer)
    documents.books_and_lists(actor, world.company, world.item)
    drain_outbox()
    return world


def _paperwork(actor, company, warehouse, location, item, supplier, customer, receipt, delivery) -> None:
    """Bills, invoices, payments, a quotation, a requisition, a transfer: one row of each kind."""
    ItemCategoryFactory(company=company, code="PARTS", name="Parts")
    purchasing.create_bill(
        actor=actor,
        company=company,
        supplier=supplier,
        supplier_invoice_number="INV-1",
        document_date=TODAY,
        lines=[{"receipt_line": receipt.lines.get(), "quantity": Decimal("4")}],
    )
    purchasing.create_payment(actor=actor, company=company, supplier=supplier, document_date=TODAY, amount=Decimal("5"))
    sales.create_invoice(
        actor=actor,
        company=company,
        customer=customer,
        document_date=TODAY,
        lines=[{"delivery_line": delivery.lines.get(), "quantity": Decimal("1")}],
    )
    sales.create_receipt(actor=actor, company=company, customer=customer, document_date=TODAY, amount=Decimal("5"))
    sales.create_quotation(
        actor=actor,
        company=company,
        customer=customer,
        document_date=TODAY,
        valid_until=TODAY,
        lines=[{"item": item, "quantity": Decimal("1"), "price": Decimal("9")}],
    )
    purchasing.create_requisition(
        actor=actor,
        company=company,
        warehouse=warehouse,
        document_date=TODAY,
        needed_by=TODAY,
        reason="restock",
        lines=[{"item": item, "quantity": Decimal("5")}],
    )
    inventory.create_transfer(
        actor=actor,
        company=company,
        from_warehouse=warehouse,
        to_warehouse=warehouse,
        document_date=TODAY,
        lines=[
            {
                "item": item,
                "from_location": location,
                "to_location": LocationFactory(warehouse=warehouse, code="A-02"),
                "quantity": Decimal("1"),
            }
        ],
    )
    inventory.create_count(actor=actor, company=company, warehouse=warehouse, document_date=TODAY)
    approvals.save_rule(
        actor=actor,
        rule=ApprovalRule(
            company=company, document_type="purchasing.purchaseorder", name="Large orders", min_amount=Decimal("1e6")
        ),
        steps=[{"kind": "user", "user": actor}],
    )


def drain_outbox() -> None:
    """Post the pending events now: the test's transaction never commits, so on_commit never sends them."""
    from apps.core.models import OutboxEvent
    from apps.core.outbox import dispatch

    pending = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).order_by("id")
    for event_id in list(pending.values_list("id", flat=True)):
        dispatch(event_id)


@pytest.fixture
def world(books, admin_user) -> World:
    return populate(admin_user, books)


@pytest.fixture
def every_record(world, admin_user) -> World:
    """The world with a row of every kind a page or endpoint shows: what the routes are tried against."""
    return add_every_record(admin_user, world)


@pytest.fixture
def token(admin_user) -> str:
    """A knox token of the company's administrator."""
    return AuthToken.objects.create(admin_user)[1]


@pytest.fixture
def stranger(make_user):
    """Every action right in the project, but rows only of another company, its warehouse and its customer."""
    other = CompanyFactory(code="OTHER", name="Other Co.")
    user = make_user(
        username="stranger",
        companies=[other],
        warehouses=[WarehouseFactory(company=other, code="FAR")],
        partners=[PartnerFactory(company=other, code="FARCUS", name="Far Customer")],
    )
    user.user_permissions.set(Permission.objects.exclude(codename__startswith="access_"))
    forget_permissions(user)
    return user
