"""FilterSets shared by the purchasing lists and API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DATE_INPUT, DocumentFilter

from .models import GoodsReceipt, PurchaseOrder, PurchaseRequisition, PurchaseReturn, SupplierBill, SupplierPayment


class RequisitionFilter(DocumentFilter):
    search_fields = ("number", "reason")

    class Meta:
        model = PurchaseRequisition
        fields = ["status", "warehouse", "company"]


class OrderFilter(DocumentFilter):
    search_fields = ("number", "supplier__code", "supplier__name", "supplier_reference", "note")
    expected_before = django_filters.DateFilter(
        field_name="expected_date", lookup_expr="lte", label=_("Expected by"), widget=DATE_INPUT
    )

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier", "warehouse", "currency", "company"]


class ReceiptFilter(DocumentFilter):
    search_fields = ("number", "supplier__code", "supplier__name", "delivery_note")

    class Meta:
        model = GoodsReceipt
        fields = ["status", "supplier", "warehouse", "company"]


class BillFilter(DocumentFilter):
    search_fields = ("number", "supplier_invoice_number", "supplier__code", "supplier__name")
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due by"), widget=DATE_INPUT
    )

    class Meta:
        model = SupplierBill
        fields = ["status", "supplier", "currency", "company"]


class PaymentFilter(DocumentFilter):
    search_fields = ("number", "reference", "supplier__code", "supplier__name")

    class Meta:
        model = SupplierPayment
        fields = ["status", "supplier", "company"]


class ReturnFilter(DocumentFilter):
    search_fields = ("number", "reason", "supplier__code", "supplier__name")

    class Meta:
        model = PurchaseReturn
        fields = ["status", "supplier", "warehouse", "company"]
