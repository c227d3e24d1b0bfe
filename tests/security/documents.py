"""The rest of a company's records for tests/security/conftest.py: a work order in progress, planning, returns
and credit notes, price lists, manual journals, webhooks, imports, merges, delegations and notifications.

Each is made through its service where one exists, so the rows are in the states the pages show."""

from datetime import date, timedelta
from decimal import Decimal

from apps.approvals import services as approvals
from apps.approvals.models import Delegation
from apps.core.models import WebhookSubscription
from apps.core.webhooks import save_subscription
from apps.finance import services as finance
from apps.finance.models import Account
from apps.masterdata import services as masterdata
from apps.masterdata.models import Company, ImportBatch, Item, Location, Partner, Warehouse
from apps.planning import services as planning
from apps.production import services as production
from apps.production.models import WorkOrder
from apps.purchasing import services as purchasing
from apps.purchasing.models import GoodsReceipt
from apps.sales import services as sales
from apps.sales.models import CustomerInvoice, Delivery
from tests.factories import ItemFactory, PartnerFactory, UserFactory

TODAY = date.today()


def make_work_order(actor, company: Company, warehouse: Warehouse, location: Location, bolt: Item) -> WorkOrder:
    """Frames (lot-tracked) of two bolts each: a BOM, and a work order in progress with an issue and an
    output (lot F1)."""
    frame = ItemFactory(
        company=company,
        code="FRAME",
        name="Frame",
        lot_tracked=True,
        reorder_point=Decimal("10"),
        reorder_quantity=Decimal("10"),
    )
    production.create_bom(
        actor=actor,
        company=company,
        item=frame,
        version="1",
        lines=[{"component": bolt, "quantity": Decimal("2")}],
        activate=True,
    )
    work_order = production.create_work_order(
        actor=actor,
        company=company,
        item=frame,
        quantity=Decimal("2"),
        due_date=TODAY + timedelta(days=7),
        warehouse=warehouse,
        output_location=location,
    )
    production.release_work_order(actor=actor, work_order=work_order)
    production.issue_materials(
        actor=actor, work_order=work_order, lines=[production.IssueLine(bolt, Decimal("4"), location)]
    )
    production.post_output(actor=actor, work_order=work_order, quantity=Decimal("1"), lot_number="F1")
    work_order.refresh_from_db()
    return work_order


def run_plan(actor, company: Company) -> None:
    """A finished MRP run: the frame below its reorder point gives a planned work order."""
    run = planning.start_run(actor=actor, company=company, horizon_days=30)
    planning.execute_run(run.pk)  # the queued task would start on commit, which a test never reaches


def return_and_credit(actor, company: Company, warehouse: Warehouse, supplier: Partner, customer: Partner) -> None:
    """A purchase return of the received bolts, a sales return of the delivered one, a credit note of the
    (posted) invoice."""
    receipt_line = GoodsReceipt.objects.get(company=company).lines.get()
    purchasing.create_return(
        actor=actor,
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        document_date=TODAY,
        reason="damaged",
        lines=[{"receipt_line": receipt_line, "quantity": Decimal("1")}],
    )
    delivery_line = Delivery.objects.get(company=company).lines.get()
    sales.create_return(
        actor=actor,
        company=company,
        customer=customer,
        warehouse=warehouse,
        document_date=TODAY,
        reason="wrong size",
        lines=[{"delivery_line": delivery_line, "quantity": Decimal("1")}],
    )
    invoice = sales.post_invoice(actor=actor, invoice=CustomerInvoice.objects.get(company=company))
    sales.create_credit_note(
        actor=actor,
        invoice=invoice,
        document_date=TODAY,
        reason="goodwill",
        lines=[{"invoice_line": invoice.lines.get(), "quantity": Decimal("1")}],
    )


def books_and_lists(actor, company: Company, item: Item) -> None:
    """A price list and a draft manual journal."""
    sales.save_price_list(
        actor=actor,
        company=company,
        name="Trade",
        currency=company.base_currency,
        lines=[{"item": item, "price": Decimal("8")}],
    )
    finance.create_manual_journal(
        actor=actor,
        company=company,
        document_date=TODAY,
        description="cash deposit",
        lines=[
            {"account": Account.objects.get(company=company, code="1002"), "debit": Decimal("10")},
            {"account": Account.objects.get(company=company, code="1001"), "credit": Decimal("10")},
        ],
    )


def operations(actor, company: Company) -> None:
    """A webhook subscription (its deliveries come as the outbox drains), an import batch, a partner merge,
    a delegation and a notification."""
    save_subscription(
        actor=actor,
        subscription=WebhookSubscription(company=company, name="ERP mirror", url="https://example.com/hook"),
    )
    ImportBatch.objects.create(
        company=company, kind=ImportBatch.Kind.PARTNER, filename="partners.csv", content=b"", uploaded_by=actor
    )
    kept = PartnerFactory(company=company, code="DUP1", name="Duplicate kept", is_customer=True)
    merged = PartnerFactory(company=company, code="DUP2", name="Duplicate merged", is_customer=True)
    masterdata.merge_partners(actor=actor, merged=merged, kept=kept, reason="duplicate")
    approvals.save_delegation(
        actor=actor,
        delegation=Delegation(
            delegator=actor, delegate=UserFactory(username="deputy"), start_date=TODAY, end_date=TODAY
        ),
    )
    approvals.notify(users=[actor], request=None, message="Month-end close tomorrow")
