"""Where purchasing appears in the browser: the Purchasing menu, the home page's tiles and the record
pages history links to."""

from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import GoodsReceipt, PurchaseOrder, PurchaseRequisition, PurchaseReturn, SupplierBill, SupplierPayment

MENUS = [
    (
        _("Purchasing"),
        [
            (_("Purchase requisitions"), "purchasing:requisition-list", "purchasing.view_purchaserequisition"),
            (_("Purchase orders"), "purchasing:order-list", "purchasing.view_purchaseorder"),
            (_("Goods receipts"), "purchasing:receipt-list", "purchasing.view_goodsreceipt"),
            (_("Supplier bills"), "purchasing:bill-list", "purchasing.view_supplierbill"),
            (_("Supplier payments"), "purchasing:payment-list", "purchasing.view_supplierpayment"),
            (_("Purchase returns"), "purchasing:return-list", "purchasing.view_purchasereturn"),
            (_("Open purchase orders"), "purchasing:open-orders", "purchasing.view_purchaseorder"),
            (_("Goods received not invoiced"), "purchasing:grni", "purchasing.view_supplierbill"),
            (_("Payables ageing"), "purchasing:ap-ageing", "purchasing.view_supplierbill"),
            (_("Purchases by supplier, item, month"), "purchasing:purchases", "purchasing.view_supplierbill"),
        ],
    ),
]

# The home page's counts: (label, list page, permission, selector).
OVERVIEW = [
    (_("Purchase orders"), "purchasing:order-list", "purchasing.view_purchaseorder", selectors.orders_visible_to),
]

# Each record's detail page, for links from history and from the postings and moves it caused.
RECORD_PAGES = {
    PurchaseRequisition: "purchasing:requisition-detail",
    PurchaseOrder: "purchasing:order-detail",
    GoodsReceipt: "purchasing:receipt-detail",
    SupplierBill: "purchasing:bill-detail",
    SupplierPayment: "purchasing:payment-detail",
    PurchaseReturn: "purchasing:return-detail",
}
