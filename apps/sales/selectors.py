"""Reads of sales: scoping (a salesperson sees their customers' documents, a warehouse keeper their
warehouse's deliveries), credit position, availability, document flow and reports."""

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from apps.core.access import scoped
from apps.core.ageing import AGEING_BUCKETS, ageing_bucket
from apps.core.money import ZERO, round_amount
from apps.core.reconciliation import subledgers
from apps.inventory.selectors import available_by_item
from apps.masterdata.models import Company, Partner, Warehouse
from apps.masterdata.selectors import ACCESS_COMPANY, ACCESS_PARTNER, ACCESS_WAREHOUSE

from .models import (
    CreditNote,
    CustomerInvoice,
    CustomerReceipt,
    Delivery,
    DeliveryLine,
    InvoiceLine,
    PriceList,
    Quotation,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
)

MONEY = DecimalField(max_digits=30, decimal_places=8)


def _by_customer(queryset: QuerySet, user, through: str = "customer") -> QuerySet:
    queryset = scoped(queryset, user=user, perm=ACCESS_COMPANY, scope_model=Company, through="company")
    return scoped(queryset, user=user, perm=ACCESS_PARTNER, scope_model=Partner, through=through)


def _by_customer_or_warehouse(queryset: QuerySet, user) -> QuerySet:
    """Visible to whoever serves the customer and to whoever keeps the warehouse."""
    in_company = scoped(queryset, user=user, perm=ACCESS_COMPANY, scope_model=Company, through="company")
    by_customer = scoped(in_company, user=user, perm=ACCESS_PARTNER, scope_model=Partner, through="customer")
    by_warehouse = scoped(in_company, user=user, perm=ACCESS_WAREHOUSE, scope_model=Warehouse, through="warehouse")
    return in_company.filter(Q(pk__in=by_customer.values("pk")) | Q(pk__in=by_warehouse.values("pk")))


def quotations_visible_to(user) -> QuerySet[Quotation]:
    return _by_customer(
        Quotation.objects.select_related("customer", "currency", "company", "salesperson", "created_by"), user
    )


# What an order answers with besides its lines; `orders_visible_to` and a read-back after an action.
ORDER_RELATED = ("customer", "currency", "warehouse", "company", "salesperson", "created_by")


def orders_visible_to(user) -> QuerySet[SalesOrder]:
    return _by_customer(SalesOrder.objects.select_related(*ORDER_RELATED), user)


def orders_to_ship_visible_to(user) -> QuerySet[SalesOrder]:
    """Orders the user may deliver: their customers' orders and those shipping from a warehouse they keep."""
    return _by_customer_or_warehouse(SalesOrder.objects.select_related(*ORDER_RELATED), user)


def deliveries_visible_to(user) -> QuerySet[Delivery]:
    return _by_customer_or_warehouse(
        Delivery.objects.select_related("customer", "order", "warehouse", "company", "created_by"), user
    )


def invoices_visible_to(user) -> QuerySet[CustomerInvoice]:
    return _by_customer(
        CustomerInvoice.objects.select_related("customer", "currency", "company", "salesperson", "created_by"), user
    )


def credit_notes_visible_to(user) -> QuerySet[CreditNote]:
    return _by_customer(CreditNote.objects.select_related("customer", "invoice", "company", "created_by"), user)


def receipts_visible_to(user) -> QuerySet[CustomerReceipt]:
    return _by_customer(CustomerReceipt.objects.select_related("customer", "company", "created_by"), user)


def returns_visible_to(user) -> QuerySet[SalesReturn]:
    return _by_customer_or_warehouse(
        SalesReturn.objects.select_related("customer", "warehouse", "company", "created_by"), user
    )


def price_lists_visible_to(user) -> QuerySet[PriceList]:
    return scoped(
        PriceList.objects.select_related("currency", "customer", "customer_group"),
        user=user,
        perm=ACCESS_COMPANY,
        scope_model=Company,
        through="company",
    )


# --- Credit -------------------------------------------------------------------------------------


def receivables_of(*, customer: Partner) -> Decimal:
    """What the customer owes: open invoices less unapplied receipts and credit notes (base currency)."""
    invoices = CustomerInvoice.objects.filter(customer=customer, status=CustomerInvoice.Status.POSTED).aggregate(
        total=Coalesce(Sum("open_amount"), ZERO)
    )["total"]
    receipts = CustomerReceipt.objects.filter(customer=customer, status=CustomerReceipt.Status.POSTED).aggregate(
        total=Coalesce(Sum("unallocated_amount"), ZERO)
    )["total"]
    credits = CreditNote.objects.filter(customer=customer, status=CreditNote.Status.POSTED).aggregate(
        total=Coalesce(Sum("open_amount"), ZERO)
    )["total"]
    return round_amount(invoices - receipts - credits)


OPEN_ORDER_STATUSES = [
    SalesOrder.Status.CONFIRMED,
    SalesOrder.Status.PARTIALLY_DELIVERED,
    SalesOrder.Status.DELIVERED,
    SalesOrder.Status.PENDING_APPROVAL,
]


def uninvoiced_orders_of(*, customer: Partner, excluding: SalesOrder | None = None) -> Decimal:
    """The value of confirmed orders not yet invoiced, with tax, in base currency."""
    lines = SalesOrderLine.objects.filter(
        order__customer=customer, order__status__in=OPEN_ORDER_STATUSES, closed_short=False
    )
    if excluding is not None:
        lines = lines.exclude(order=excluding)
    share = ExpressionWrapper(
        (F("net_amount") + F("tax_amount"))
        * (F("base_quantity") - F("invoiced_quantity"))
        / F("base_quantity")
        * F("order__exchange_rate"),
        output_field=MONEY,
    )
    return round_amount(lines.aggregate(total=Coalesce(Sum(share), ZERO, output_field=MONEY))["total"])


@dataclass
class CreditPosition:
    limit: Decimal | None
    receivables: Decimal
    open_orders: Decimal
    this_order: Decimal

    @property
    def exposure(self) -> Decimal:
        return self.receivables + self.open_orders + self.this_order

    @property
    def exceeded(self) -> bool:
        return self.limit is not None and self.exposure > self.limit

    @property
    def available(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.exposure

    def as_dict(self) -> dict:
        data = {key: str(value) if value is not None else None for key, value in asdict(self).items()}
        return {**data, "exposure": str(self.exposure), "exceeded": self.exceeded}


def credit_position(
    *, customer: Partner, adding: Decimal = ZERO, excluding: SalesOrder | None = None
) -> CreditPosition:
    """Open receivables + open uninvoiced orders + this order, against the customer's credit limit."""
    return CreditPosition(
        limit=customer.credit_limit,
        receivables=receivables_of(customer=customer),
        open_orders=uninvoiced_orders_of(customer=customer, excluding=excluding),
        this_order=adding,
    )


def availability(*, company: Company, item_ids: list[int], warehouse_id: int | None) -> dict[int, Decimal]:
    """Available to promise per item (on hand − reserved): one query, whatever the number of locations."""
    return available_by_item(company_id=company.pk, item_ids=item_ids, warehouse_id=warehouse_id)


# --- Document flow ------------------------------------------------------------------------------


@dataclass
class Flow:
    quotations: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)
    invoices: list = field(default_factory=list)
    credit_notes: list = field(default_factory=list)
    receipts: list = field(default_factory=list)
    returns: list = field(default_factory=list)


def order_flow(order: SalesOrder) -> Flow:
    invoices = list(CustomerInvoice.objects.filter(lines__order_line__order=order).distinct().order_by("id"))
    return Flow(
        quotations=[order.quotation] if order.quotation_id else [],
        orders=[order],
        deliveries=list(order.deliveries.order_by("id")),
        invoices=invoices,
        credit_notes=list(CreditNote.objects.filter(invoice__in=invoices).order_by("id")),
        receipts=list(
            CustomerReceipt.objects.filter(allocations__invoice__in=invoices, allocations__reversed=False).distinct()
        ),
        returns=list(SalesReturn.objects.filter(lines__delivery_line__delivery__order=order).distinct()),
    )


def flow_of(document) -> Flow:
    """The flow around any sales document, gathered through its orders."""
    if isinstance(document, SalesOrder):
        return order_flow(document)
    if isinstance(document, Quotation):
        orders = document.orders.all()
    elif isinstance(document, Delivery):
        orders = SalesOrder.objects.filter(pk=document.order_id)
    elif isinstance(document, CustomerInvoice):
        orders = SalesOrder.objects.filter(lines__invoice_lines__invoice=document).distinct()
    elif isinstance(document, CreditNote):
        orders = SalesOrder.objects.filter(lines__invoice_lines__invoice=document.invoice_id).distinct()
    elif isinstance(document, CustomerReceipt):
        orders = SalesOrder.objects.filter(lines__invoice_lines__invoice__allocations__receipt=document).distinct()
    else:
        orders = SalesOrder.objects.filter(deliveries__lines__return_lines__sales_return=document).distinct()
    flow = Flow(quotations=[document] if isinstance(document, Quotation) else [])
    for order in orders.order_by("id"):
        part = order_flow(order)
        for name in ("quotations", "orders", "deliveries", "invoices", "credit_notes", "receipts", "returns"):
            known = getattr(flow, name)
            known.extend(item for item in getattr(part, name) if item not in known)
    return flow


# --- Reports ------------------------------------------------------------------------------------


def open_order_lines_visible_to(user) -> QuerySet[SalesOrderLine]:
    """Lines still to deliver (each line's `open_quantity`); those partly delivered are backorders."""
    orders = orders_visible_to(user).filter(
        status__in=[SalesOrder.Status.CONFIRMED, SalesOrder.Status.PARTIALLY_DELIVERED]
    )
    return (
        SalesOrderLine.objects.filter(
            order__in=orders.values("pk"), closed_short=False, delivered_quantity__lt=F("base_quantity")
        )
        .select_related("order__customer", "item", "warehouse", "unit")
        .order_by("order__requested_date", "order__number", "id")
    )


def shippable_today(user) -> list[dict]:
    """Open lines with what is reserved for them and what else is available in their warehouse."""
    lines = list(open_order_lines_visible_to(user))
    by_company: dict[int, list[SalesOrderLine]] = {}
    for line in lines:
        by_company.setdefault(line.order.company_id, []).append(line)
    rows = []
    for company_id, company_lines in by_company.items():
        for warehouse_id in {line.warehouse_id for line in company_lines}:
            in_warehouse = [line for line in company_lines if line.warehouse_id == warehouse_id]
            available = available_by_item(
                company_id=company_id, item_ids=[line.item_id for line in in_warehouse], warehouse_id=warehouse_id
            )
            for line in in_warehouse:
                free = max(available.get(line.item_id, ZERO), ZERO)
                can_ship = min(line.open_quantity, line.reserved_quantity + free)
                rows.append({"line": line, "reserved": line.reserved_quantity, "available": free, "can_ship": can_ship})
    return rows


def ar_ageing(user, *, company: Company, as_of: date | None = None) -> list[dict]:
    """Open invoices by days overdue per customer, less unapplied receipts and credit notes."""
    as_of = as_of or timezone.localdate()
    rows: dict[int, dict] = {}

    def row_for(customer: Partner) -> dict:
        return rows.setdefault(
            customer.pk, {"partner": customer, "buckets": dict.fromkeys(AGEING_BUCKETS, ZERO), "unapplied": ZERO}
        )

    for invoice in invoices_visible_to(user).filter(
        company=company, status=CustomerInvoice.Status.POSTED, open_amount__gt=0
    ):
        row_for(invoice.customer)["buckets"][ageing_bucket((as_of - invoice.due_date).days)] += invoice.open_amount
    for receipt in receipts_visible_to(user).filter(
        company=company, status=CustomerReceipt.Status.POSTED, unallocated_amount__gt=0
    ):
        row_for(receipt.customer)["unapplied"] += receipt.unallocated_amount
    for note in credit_notes_visible_to(user).filter(
        company=company, status=CreditNote.Status.POSTED, open_amount__gt=0
    ):
        row_for(note.customer)["unapplied"] += note.open_amount
    result = sorted(rows.values(), key=lambda row: row["partner"].code)
    for row in result:
        row["total"] = sum(row["buckets"].values(), ZERO) - row["unapplied"]
    return result


def receivables_total(*, company: Company) -> Decimal:
    """The subledger of the AR control account."""
    invoices = CustomerInvoice.objects.filter(company=company, status=CustomerInvoice.Status.POSTED).aggregate(
        total=Coalesce(Sum("open_amount"), ZERO)
    )["total"]
    receipts = CustomerReceipt.objects.filter(company=company, status=CustomerReceipt.Status.POSTED).aggregate(
        total=Coalesce(Sum("unallocated_amount"), ZERO)
    )["total"]
    credits = CreditNote.objects.filter(company=company, status=CreditNote.Status.POSTED).aggregate(
        total=Coalesce(Sum("open_amount"), ZERO)
    )["total"]
    return round_amount(invoices - receipts - credits)


def sales_and_margin(user, *, company: Company, group_by: str, start: date, end: date) -> list[dict]:
    """Invoiced revenue and the cost of the goods invoiced (at their delivered cost), by customer, item,
    salesperson or month, in base currency."""
    lines = InvoiceLine.objects.filter(
        invoice__in=invoices_visible_to(user)
        .filter(company=company, document_date__gte=start, document_date__lte=end)
        .exclude(status=CustomerInvoice.Status.DRAFT)
        .values("pk")
    )
    keys = {
        "customer": ["invoice__customer__code", "invoice__customer__name"],
        "item": ["item__code", "item__name"],
        "salesperson": ["invoice__salesperson__username"],
        "month": ["month"],
    }[group_by]
    if group_by == "month":
        lines = lines.annotate(month=TruncMonth("invoice__document_date"))
    revenue = ExpressionWrapper(F("net_amount") * F("invoice__exchange_rate"), output_field=MONEY)
    cost = ExpressionWrapper(F("quantity") * Coalesce(F("delivery_line__unit_cost"), ZERO), output_field=MONEY)
    # Not `quantity=`: an annotation of a field's own name would make the cost sum an aggregate of an aggregate.
    rows = (
        lines.values(*keys)
        .annotate(quantity_sold=Sum("quantity"), revenue=Sum(revenue), cost=Sum(cost))
        .order_by(*keys)
    )
    result = []
    for row in rows:
        row["quantity"] = row.pop("quantity_sold")
        revenue_total, cost_total = round_amount(row["revenue"] or ZERO), round_amount(row["cost"] or ZERO)
        margin = revenue_total - cost_total
        result.append(
            {
                **row,
                "revenue": revenue_total,
                "cost": cost_total,
                "margin": margin,
                "margin_percent": round_amount(margin / revenue_total * 100) if revenue_total else None,
            }
        )
    return result


def customer_statement(*, customer: Partner, start: date, end: date) -> dict:
    """Opening balance, every invoice, credit note and receipt in the period, and the closing balance."""

    def total(model, amount_field, **filters):
        return (
            model.objects.filter(customer=customer, **filters)
            .exclude(status__in=["draft", "cancelled"])
            .aggregate(total=Coalesce(Sum(amount_field), ZERO))["total"]
        )

    opening = (
        total(CustomerInvoice, "base_total", document_date__lt=start)
        - total(CreditNote, "base_total", document_date__lt=start)
        - total(CustomerReceipt, "amount", document_date__lt=start)
    )
    entries = []
    for invoice in CustomerInvoice.objects.filter(customer=customer, document_date__range=(start, end)).exclude(
        status="draft"
    ):
        entries.append(
            {"date": invoice.document_date, "document": invoice, "debit": invoice.base_total, "credit": ZERO}
        )
    for note in CreditNote.objects.filter(customer=customer, document_date__range=(start, end), status="posted"):
        entries.append({"date": note.document_date, "document": note, "debit": ZERO, "credit": note.base_total})
    for receipt in CustomerReceipt.objects.filter(
        customer=customer, document_date__range=(start, end), status="posted"
    ):
        entries.append({"date": receipt.document_date, "document": receipt, "debit": ZERO, "credit": receipt.amount})
    entries.sort(key=lambda entry: (entry["date"], str(entry["document"])))
    balance = opening
    for entry in entries:
        balance += entry["debit"] - entry["credit"]
        entry["balance"] = balance
    return {
        "customer": customer,
        "start": start,
        "end": end,
        "opening": opening,
        "entries": entries,
        "closing": balance,
    }


def delivery_lines_to_invoice(user, *, customer: Partner) -> QuerySet[DeliveryLine]:
    deliveries = deliveries_visible_to(user).filter(customer=customer, status=Delivery.Status.POSTED)
    return (
        DeliveryLine.objects.filter(delivery__in=deliveries.values("pk"))
        .filter(quantity__gt=F("invoiced_quantity") + F("returned_quantity"))
        .select_related("delivery", "item", "order_line")
    )


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """A report's dates: by default from the first of this month to today."""
    end = end or timezone.localdate()
    return start or end.replace(day=1), end


def ageing_report(user, *, company: Company, as_of: date | None = None) -> dict:
    """AR ageing with its totals, the whole subledger and the AR control accounts it must agree with."""
    from apps.finance.selectors import control_reconciliation

    as_of = as_of or timezone.localdate()
    rows = ar_ageing(user, company=company, as_of=as_of)
    subledger = receivables_total(company=company)
    control, pending = control_reconciliation(company=company)
    label = next((str(ledger.label) for ledger in subledgers() if ledger.role == "ar"), None)
    ar_row = next((row for row in control if row.label == label), None)
    return {
        "company": company,
        "as_of": as_of,
        "rows": rows,
        "buckets": {bucket: sum((row["buckets"][bucket] for row in rows), ZERO) for bucket in AGEING_BUCKETS},
        "total": sum((row["total"] for row in rows), ZERO),
        "receivables_total": subledger,
        "control_balance": ar_row.ledger_balance if ar_row else None,
        "difference": ar_row.ledger_balance - subledger if ar_row else None,
        "pending_events": pending,
    }


MARGIN_LABELS = {
    "customer": ("invoice__customer__code", "invoice__customer__name"),
    "item": ("item__code", "item__name"),
    "salesperson": ("invoice__salesperson__username",),
    "month": ("month",),
}


def margin_rows(user, *, company: Company, group_by: str, start: date, end: date) -> list[dict]:
    """Sales and margin rows, each with a key and a label whatever it is grouped by."""
    rows = []
    for row in sales_and_margin(user, company=company, group_by=group_by, start=start, end=end):
        parts = [row[name] for name in MARGIN_LABELS[group_by]]
        if group_by == "month":
            parts = [f"{parts[0]:%Y-%m}"] if parts[0] else []
        rows.append(
            {
                **row,
                "key": str(parts[0]) if parts and parts[0] is not None else "",
                "label": " ".join(str(part) for part in parts if part),
            }
        )
    return rows
