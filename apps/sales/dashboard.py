"""Sales on the home page's dashboard: invoiced sales by month and the receivables' ageing.

Both read through `invoices_visible_to(user)` and its siblings, so a salesperson sees only the
sales and receivables of the customers they serve.
"""

from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from apps.core.dashboard import (
    AMOUNT,
    Card,
    Chart,
    Figure,
    Panel,
    Scope,
    ageing_panel,
    ageing_sums,
    month_ranges,
    month_totals,
    months_back,
)
from apps.core.money import ZERO

from . import selectors
from .models import CreditNote, CustomerInvoice, CustomerReceipt, SalesOrder

MONTHS_SHOWN = 6
INVOICED = [CustomerInvoice.Status.POSTED, CustomerInvoice.Status.PAID]
# Net of tax, in base currency: the revenue the sales-and-margin report shows.
NET_IN_BASE = ExpressionWrapper(
    F("subtotal") * F("exchange_rate"), output_field=DecimalField(max_digits=30, decimal_places=8)
)


def sales(scope: Scope) -> Panel:
    months = months_back(scope.today, MONTHS_SHOWN)
    rows = (
        selectors.invoices_visible_to(scope.user)
        .filter(
            company=scope.company, status__in=INVOICED, document_date__gte=months[0], document_date__lte=scope.today
        )
        .annotate(month=TruncMonth("document_date"))
        .values("month")
        .annotate(revenue=Sum(NET_IN_BASE))
        .order_by("month")
    )
    revenue = month_totals(rows, months=months, value="revenue")
    by_month_url = scope.url(
        "sales:sales-margin", group_by="month", start=months[0].isoformat(), end=scope.today.isoformat()
    )
    figures = [
        Figure(
            "month",
            _("Invoiced this month (net)"),
            revenue[-1],
            scope.url(
                "sales:sales-margin", group_by="customer", start=months[-1].isoformat(), end=scope.today.isoformat()
            ),
            money=True,
        )
    ]
    if scope.user.has_perm("sales.view_salesorder"):
        open_orders = (
            selectors.orders_visible_to(scope.user)
            .filter(
                company=scope.company, status__in=[SalesOrder.Status.CONFIRMED, SalesOrder.Status.PARTIALLY_DELIVERED]
            )
            .count()
        )
        figures.append(Figure("open_orders", _("Orders to deliver"), open_orders, scope.url("sales:open-orders")))
    return Panel(
        url=by_month_url,
        figures=figures,
        chart=Chart(
            kind="bar",
            label=_("Invoiced sales (net)"),
            labels=[f"{month:%Y-%m}" for month in months],
            values=revenue,
            urls=[
                scope.url("sales:sales-margin", group_by="customer", start=start.isoformat(), end=end.isoformat())
                for start, end in month_ranges(months, scope.today)
            ],
            money=True,
        ),
        note=_("Posted invoices, net of tax, in the company's base currency."),
    )


def receivables(scope: Scope) -> Panel:
    in_company = {"company": scope.company}
    buckets = ageing_sums(
        selectors.invoices_visible_to(scope.user).filter(
            **in_company, status=CustomerInvoice.Status.POSTED, open_amount__gt=0
        ),
        amount="open_amount",
        due="due_date",
        today=scope.today,
    )
    unapplied_receipts = (
        selectors.receipts_visible_to(scope.user)
        .filter(**in_company, status=CustomerReceipt.Status.POSTED)
        .aggregate(total=Coalesce(Sum("unallocated_amount"), ZERO, output_field=AMOUNT))["total"]
    )
    unapplied_credits = (
        selectors.credit_notes_visible_to(scope.user)
        .filter(**in_company, status=CreditNote.Status.POSTED)
        .aggregate(total=Coalesce(Sum("open_amount"), ZERO, output_field=AMOUNT))["total"]
    )
    return ageing_panel(
        buckets,
        unapplied=unapplied_receipts + unapplied_credits,
        balance_label=_("Receivables"),
        chart_label=_("Open invoices by days overdue"),
        note=_("Open invoices less unapplied receipts and credit notes."),
        url=scope.url("sales:ar-ageing"),
    )


CARDS = [
    Card(key="sales", title=_("Sales"), permission="sales.view_customerinvoice", build=sales, order=10),
    Card(
        key="receivables",
        title=_("Receivables ageing"),
        permission="sales.view_customerinvoice",
        build=receivables,
        order=40,
    ),
]
