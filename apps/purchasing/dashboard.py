"""Purchasing on the home page's dashboard: billed purchases by month and the payables' ageing.

Both read through `bills_visible_to(user)` and its siblings (company, supplier ownership).
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
from .models import PurchaseOrder, PurchaseReturn, SupplierBill, SupplierPayment

MONTHS_SHOWN = 6
BILLED = [SupplierBill.Status.POSTED, SupplierBill.Status.PAID]
# Net of tax, in base currency: what the purchases report shows.
NET_IN_BASE = ExpressionWrapper(
    F("subtotal") * F("exchange_rate"), output_field=DecimalField(max_digits=30, decimal_places=8)
)


def purchases(scope: Scope) -> Panel:
    months = months_back(scope.today, MONTHS_SHOWN)
    rows = (
        selectors.bills_visible_to(scope.user)
        .filter(company=scope.company, status__in=BILLED, document_date__gte=months[0], document_date__lte=scope.today)
        .annotate(month=TruncMonth("document_date"))
        .values("month")
        .annotate(amount=Sum(NET_IN_BASE))
        .order_by("month")
    )
    amounts = month_totals(rows, months=months, value="amount")
    ranges = month_ranges(months, scope.today)
    this_month_start, _today = ranges[-1]
    figures = [
        Figure(
            "month",
            _("Billed this month (net)"),
            amounts[-1],
            scope.url("purchasing:purchases", group_by="supplier", start=this_month_start.isoformat()),
            money=True,
        )
    ]
    if scope.user.has_perm("purchasing.view_purchaseorder"):
        open_orders = (
            selectors.orders_visible_to(scope.user)
            .filter(
                company=scope.company,
                status__in=[PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.PARTIALLY_RECEIVED],
            )
            .count()
        )
        figures.append(Figure("open_orders", _("Orders to receive"), open_orders, scope.url("purchasing:open-orders")))
    return Panel(
        url=scope.url("purchasing:purchases", group_by="month", start=months[0].isoformat()),
        figures=figures,
        chart=Chart(
            kind="bar",
            label=_("Billed purchases (net)"),
            labels=[f"{month:%Y-%m}" for month in months],
            values=amounts,
            urls=[
                scope.url("purchasing:purchases", group_by="supplier", start=start.isoformat(), end=end.isoformat())
                for start, end in ranges
            ],
            money=True,
        ),
        note=_("Posted supplier bills, net of tax, in the company's base currency."),
    )


def payables(scope: Scope) -> Panel:
    in_company = {"company": scope.company}
    buckets = ageing_sums(
        selectors.bills_visible_to(scope.user).filter(
            **in_company, status=SupplierBill.Status.POSTED, open_amount__gt=0
        ),
        amount="open_amount",
        due="due_date",
        today=scope.today,
    )
    prepaid = (
        selectors.payments_visible_to(scope.user)
        .filter(**in_company, status=SupplierPayment.Status.POSTED)
        .aggregate(total=Coalesce(Sum("unallocated_amount"), ZERO, output_field=AMOUNT))["total"]
    )
    debit_notes = (
        selectors.returns_visible_to(scope.user)
        .filter(**in_company, status=PurchaseReturn.Status.POSTED)
        .aggregate(total=Coalesce(Sum("open_amount"), ZERO, output_field=AMOUNT))["total"]
    )
    return ageing_panel(
        buckets,
        unapplied=prepaid + debit_notes,
        balance_label=_("Payables"),
        chart_label=_("Open bills by days overdue"),
        note=_("Open bills less unapplied payments and debit notes."),
        url=scope.url("purchasing:ap-ageing"),
    )


CARDS = [
    Card(key="purchases", title=_("Purchases"), permission="purchasing.view_supplierbill", build=purchases, order=20),
    Card(
        key="payables",
        title=_("Payables ageing"),
        permission="purchasing.view_supplierbill",
        build=payables,
        order=50,
    ),
]
