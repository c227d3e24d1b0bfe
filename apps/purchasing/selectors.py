"""Reads of purchasing: scoping by warehouse and supplier ownership, document flow, reports."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.core.access import scoped
from apps.core.ageing import AGEING_BUCKETS, ageing_bucket
from apps.core.money import ZERO, round_amount
from apps.masterdata.models import Company, Partner, Warehouse
from apps.masterdata.selectors import ACCESS_COMPANY, ACCESS_PARTNER, ACCESS_WAREHOUSE

from .models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PayableAllocation,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequisition,
    PurchaseReturn,
    SupplierBill,
    SupplierBillLine,
    SupplierPayment,
)

QUANTITY = DecimalField(max_digits=18, decimal_places=6)


def _scope(queryset: QuerySet, user, *, warehouse: str | None = "warehouse", supplier: str | None = "supplier"):
    queryset = scoped(queryset, user=user, perm=ACCESS_COMPANY, scope_model=Company, through="company")
    if warehouse:
        queryset = scoped(queryset, user=user, perm=ACCESS_WAREHOUSE, scope_model=Warehouse, through=warehouse)
    if supplier:
        queryset = scoped(queryset, user=user, perm=ACCESS_PARTNER, scope_model=Partner, through=supplier)
    return queryset


def requisitions_visible_to(user) -> QuerySet[PurchaseRequisition]:
    return _scope(PurchaseRequisition.objects.select_related("warehouse", "created_by", "company"), user, supplier=None)


def orders_visible_to(user) -> QuerySet[PurchaseOrder]:
    return _scope(
        PurchaseOrder.objects.select_related("supplier", "warehouse", "currency", "company", "created_by"), user
    )


def receipts_visible_to(user) -> QuerySet[GoodsReceipt]:
    return _scope(GoodsReceipt.objects.select_related("supplier", "warehouse", "company", "created_by"), user)


def bills_visible_to(user) -> QuerySet[SupplierBill]:
    return _scope(
        SupplierBill.objects.select_related("supplier", "currency", "company", "created_by"), user, warehouse=None
    )


def payments_visible_to(user) -> QuerySet[SupplierPayment]:
    return _scope(SupplierPayment.objects.select_related("supplier", "company", "created_by"), user, warehouse=None)


def returns_visible_to(user) -> QuerySet[PurchaseReturn]:
    return _scope(PurchaseReturn.objects.select_related("supplier", "warehouse", "company", "created_by"), user)


def open_order_lines_visible_to(user) -> QuerySet[PurchaseOrderLine]:
    """Order lines still expected: confirmed orders, not closed short, not fully received."""
    orders = orders_visible_to(user).filter(
        status__in=[PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.PARTIALLY_RECEIVED]
    )
    return (
        PurchaseOrderLine.objects.filter(
            order__in=orders.values("pk"), closed_short=False, received_quantity__lt=F("base_quantity")
        )
        .select_related("order__supplier", "item", "unit", "warehouse")
        .order_by("expected_date", "order__number", "id")
    )


def late_order_lines(user, *, today: date | None = None) -> QuerySet[PurchaseOrderLine]:
    today = today or timezone.localdate()
    lines = open_order_lines_visible_to(user)
    return lines.filter(Q(expected_date__lt=today) | Q(expected_date__isnull=True, order__expected_date__lt=today))


def billable_receipt_lines(user, *, supplier: Partner | None = None) -> QuerySet[GoodsReceiptLine]:
    """Received lines that can still be billed (the lines a new bill is made from)."""
    lines = GoodsReceiptLine.objects.filter(
        receipt__in=receipts_visible_to(user).filter(status=GoodsReceipt.Status.POSTED).values("pk"),
        quantity__gt=F("billed_quantity") + F("returned_quantity"),
    )
    if supplier is not None:
        lines = lines.filter(receipt__supplier=supplier)
    return lines.select_related("receipt", "item", "order_line__order").order_by("receipt__document_date", "id")


# --- Document flow ------------------------------------------------------------------------------


@dataclass
class Flow:
    requisitions: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    receipts: list = field(default_factory=list)
    bills: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    returns: list = field(default_factory=list)


def order_flow(order: PurchaseOrder) -> Flow:
    """Everything before and after an order: requisitions → order → receipts → bills → payments, returns."""
    receipts = list(GoodsReceipt.objects.filter(lines__order_line__order=order).distinct().order_by("id"))
    bills = list(SupplierBill.objects.filter(lines__order_line__order=order).distinct().order_by("id"))
    return Flow(
        requisitions=list(PurchaseRequisition.objects.filter(lines__order_lines__order=order).distinct()),
        orders=[order],
        receipts=receipts,
        bills=bills,
        payments=list(
            SupplierPayment.objects.filter(allocations__bill__in=bills, allocations__reversed=False).distinct()
        ),
        returns=list(PurchaseReturn.objects.filter(lines__receipt_line__order_line__order=order).distinct()),
    )


def flow_of(document) -> Flow:
    """The flow around any purchasing document, gathered through its orders."""
    if isinstance(document, PurchaseOrder):
        return order_flow(document)
    if isinstance(document, PurchaseRequisition):
        orders = PurchaseOrder.objects.filter(lines__requisition_line__requisition=document).distinct()
    elif isinstance(document, GoodsReceipt):
        orders = PurchaseOrder.objects.filter(lines__receipt_lines__receipt=document).distinct()
    elif isinstance(document, SupplierBill):
        orders = PurchaseOrder.objects.filter(lines__bill_lines__bill=document).distinct()
    elif isinstance(document, SupplierPayment):
        orders = PurchaseOrder.objects.filter(lines__bill_lines__bill__allocations__payment=document).distinct()
    else:
        orders = PurchaseOrder.objects.filter(lines__receipt_lines__return_lines__purchase_return=document).distinct()
    flow = Flow()
    for order in orders.order_by("id"):
        part = order_flow(order)
        for name in ("requisitions", "orders", "receipts", "bills", "payments", "returns"):
            known = getattr(flow, name)
            known.extend(item for item in getattr(part, name) if item not in known)
    if isinstance(document, PurchaseRequisition) and document not in flow.requisitions:
        flow.requisitions.insert(0, document)
    return flow


# --- Reports ------------------------------------------------------------------------------------


def grni_lines(user, *, company: Company) -> QuerySet[GoodsReceiptLine]:
    """Goods received not yet invoiced: each receipt line with value not cleared by bills or returns."""
    receipts = receipts_visible_to(user).filter(company=company, status=GoodsReceipt.Status.POSTED)
    return (
        GoodsReceiptLine.objects.filter(receipt__in=receipts.values("pk"))
        .exclude(value=F("grni_cleared"))
        .select_related("receipt__supplier", "item", "order_line__order")
        .annotate(
            open_value=ExpressionWrapper(
                F("value") - F("grni_cleared"), output_field=DecimalField(max_digits=18, decimal_places=2)
            )
        )
        .order_by("receipt__document_date", "id")
    )


def grni_total(*, company: Company) -> Decimal:
    """All of the company's goods received not invoiced (the subledger of the GRNI account)."""
    total = GoodsReceiptLine.objects.filter(
        receipt__company=company, receipt__status=GoodsReceipt.Status.POSTED
    ).aggregate(value=Sum(F("value") - F("grni_cleared")))["value"]
    return round_amount(total or ZERO)


@dataclass
class AgeingRow:
    partner: Partner
    buckets: dict[str, Decimal]
    unapplied: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO) - self.unapplied


def ap_ageing(user, *, company: Company, as_of: date | None = None) -> list[AgeingRow]:
    """Open bills by how long they are overdue, per supplier, less unapplied payments and debit notes."""
    as_of = as_of or timezone.localdate()
    rows: dict[int, AgeingRow] = {}

    def row_for(supplier: Partner) -> AgeingRow:
        if supplier.pk not in rows:
            rows[supplier.pk] = AgeingRow(supplier, dict.fromkeys(AGEING_BUCKETS, ZERO), ZERO)
        return rows[supplier.pk]

    bills = bills_visible_to(user).filter(company=company, status=SupplierBill.Status.POSTED, open_amount__gt=0)
    for bill in bills:
        row_for(bill.supplier).buckets[ageing_bucket((as_of - bill.due_date).days)] += bill.open_amount
    for payment in payments_visible_to(user).filter(
        company=company, status=SupplierPayment.Status.POSTED, unallocated_amount__gt=0
    ):
        row_for(payment.supplier).unapplied += payment.unallocated_amount
    for debit_note in returns_visible_to(user).filter(
        company=company, status=PurchaseReturn.Status.POSTED, open_amount__gt=0
    ):
        row_for(debit_note.supplier).unapplied += debit_note.open_amount
    return sorted(rows.values(), key=lambda row: row.partner.code)


def payables_total(*, company: Company) -> Decimal:
    """What the company owes its suppliers by the subledger (the AP control account should say the same)."""
    bills = (
        SupplierBill.objects.filter(company=company, status__in=[SupplierBill.Status.POSTED]).aggregate(
            total=Sum("open_amount")
        )["total"]
        or ZERO
    )
    prepaid = (
        SupplierPayment.objects.filter(company=company, status=SupplierPayment.Status.POSTED).aggregate(
            total=Sum("unallocated_amount")
        )["total"]
        or ZERO
    )
    debit_notes = (
        PurchaseReturn.objects.filter(company=company, status=PurchaseReturn.Status.POSTED).aggregate(
            total=Sum("open_amount")
        )["total"]
        or ZERO
    )
    return round_amount(bills - prepaid - debit_notes)


def purchases_by(user, *, company: Company, group_by: str, start: date, end: date) -> list[dict]:
    """Net purchases in base currency from posted bills, by supplier, item or month."""
    lines = SupplierBillLine.objects.filter(
        bill__in=bills_visible_to(user)
        .filter(
            company=company,
            document_date__gte=start,
            document_date__lte=end,
            status__in=[SupplierBill.Status.POSTED, SupplierBill.Status.PAID],
        )
        .values("pk")
    )
    keys = {
        "supplier": ["bill__supplier__code", "bill__supplier__name"],
        "item": ["item__code", "item__name"],
        "month": ["month"],
    }[group_by]
    if group_by == "month":
        lines = lines.annotate(month=TruncMonth("bill__document_date"))
    amount = ExpressionWrapper(
        F("net_amount") * F("bill__exchange_rate"), output_field=DecimalField(max_digits=30, decimal_places=8)
    )
    rows = lines.values(*keys).annotate(quantity=Sum("quantity"), amount=Sum(amount)).order_by(*keys)
    return [{**row, "amount": round_amount(row["amount"])} for row in rows]


def allocations_of(bill: SupplierBill) -> QuerySet[PayableAllocation]:
    return (
        bill.allocations.filter(reversed=False).select_related("payment", "debit_note").order_by("allocated_on", "id")
    )


def control_account(*, company: Company, role: str):
    """The books' side of a purchasing subledger ("ap" or "grni"): the control row finance reconciles,
    or None while the company has no account for the role."""
    from apps.core.reconciliation import subledgers
    from apps.finance.selectors import control_reconciliation

    label = next(str(subledger.label) for subledger in subledgers() if subledger.role == role)
    rows, _pending = control_reconciliation(company=company)
    return next((row for row in rows if row.label == label), None)
