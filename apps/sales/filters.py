"""FilterSets shared by the sales lists and API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DocumentFilter, SearchFilterSet

from .models import (
    CreditNote,
    CustomerInvoice,
    CustomerReceipt,
    Delivery,
    PriceList,
    Quotation,
    SalesOrder,
    SalesReturn,
)


class PriceListFilter(SearchFilterSet):
    search_fields = ("name", "customer__code", "customer__name", "customer_group__name")

    class Meta:
        model = PriceList
        fields = ["company", "currency", "customer", "customer_group", "active"]


class QuotationFilter(DocumentFilter):
    search_fields = ("number", "customer__code", "customer__name")

    class Meta:
        model = Quotation
        fields = ["status", "company", "customer", "salesperson"]


class SalesOrderFilter(DocumentFilter):
    search_fields = ("number", "customer__code", "customer__name", "customer_reference")
    requested_by = django_filters.DateFilter(field_name="requested_date", lookup_expr="lte", label=_("Requested by"))

    class Meta:
        model = SalesOrder
        fields = ["status", "company", "customer", "warehouse", "salesperson"]


class DeliveryFilter(DocumentFilter):
    search_fields = ("number", "order__number", "customer__code", "customer__name")

    class Meta:
        model = Delivery
        fields = ["status", "company", "customer", "warehouse", "order"]


class CustomerInvoiceFilter(DocumentFilter):
    search_fields = ("number", "customer__code", "customer__name")
    overdue_on = django_filters.DateFilter(field_name="due_date", lookup_expr="lt", label=_("Due before"))

    class Meta:
        model = CustomerInvoice
        fields = ["status", "company", "customer", "salesperson"]


class CreditNoteFilter(DocumentFilter):
    search_fields = ("number", "reason", "invoice__number", "customer__code", "customer__name")

    class Meta:
        model = CreditNote
        fields = ["status", "company", "customer", "invoice"]


class CustomerReceiptFilter(DocumentFilter):
    search_fields = ("number", "reference", "customer__code", "customer__name")

    class Meta:
        model = CustomerReceipt
        fields = ["status", "company", "customer"]


class SalesReturnFilter(DocumentFilter):
    search_fields = ("number", "reason", "customer__code", "customer__name")

    class Meta:
        model = SalesReturn
        fields = ["status", "company", "customer", "warehouse"]
