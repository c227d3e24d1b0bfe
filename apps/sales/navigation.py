"""Where sales appears in the browser: the Sales menu, the home page's tiles and the record pages
history links to."""

from django.utils.translation import gettext_lazy as _

from . import selectors
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

MENUS = [
    (
        _("Sales"),
        [
            (_("Quotations"), "sales:quotation-list", "sales.view_quotation"),
            (_("Sales orders"), "sales:order-list", "sales.view_salesorder"),
            (_("Deliveries"), "sales:delivery-list", "sales.view_delivery"),
            (_("Customer invoices"), "sales:invoice-list", "sales.view_customerinvoice"),
            (_("Credit notes"), "sales:credit-note-list", "sales.view_creditnote"),
            (_("Customer receipts"), "sales:receipt-list", "sales.view_customerreceipt"),
            (_("Sales returns"), "sales:return-list", "sales.view_salesreturn"),
            (_("Price lists"), "sales:price-list-list", "sales.view_pricelist"),
            (_("Open orders and backorders"), "sales:open-orders", "sales.view_salesorder"),
            (_("What can ship today"), "sales:shippable-today", "sales.view_salesorder"),
            (_("Receivables ageing"), "sales:ar-ageing", "sales.view_customerinvoice"),
            (_("Sales and gross margin"), "sales:sales-margin", "sales.view_customerinvoice"),
            (_("Customer statement"), "sales:statement", "sales.view_customerinvoice"),
        ],
    ),
]

OVERVIEW = [
    (
        _("Open sales orders"),
        "sales:order-list",
        "sales.view_salesorder",
        lambda user: selectors.orders_visible_to(user).filter(status__in=SalesOrder.STATUS_GROUPS["open"]),
    ),
]

# Each record's detail page, for links from history and from the postings and moves it caused.
RECORD_PAGES = {
    Quotation: "sales:quotation-detail",
    SalesOrder: "sales:order-detail",
    Delivery: "sales:delivery-detail",
    CustomerInvoice: "sales:invoice-detail",
    CreditNote: "sales:credit-note-detail",
    CustomerReceipt: "sales:receipt-detail",
    SalesReturn: "sales:return-detail",
    PriceList: "sales:price-list-detail",
}
