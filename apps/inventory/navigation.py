"""Where stock appears in the browser: the Inventory menu and the record pages history links to."""

from django.utils.translation import gettext_lazy as _

from .models import Lot, StockAdjustment, StockCount, StockTransfer

MENUS = [
    (
        _("Inventory"),
        [
            (_("Stock adjustments"), "inventory:adjustment-list", "inventory.view_stockadjustment"),
            (_("Stock transfers"), "inventory:transfer-list", "inventory.view_stocktransfer"),
            (_("Stock counts"), "inventory:count-list", "inventory.view_stockcount"),
            (_("Stock on hand"), "inventory:stock-on-hand", "inventory.view_stockbalance"),
            (_("Stock ledger"), "inventory:item-ledger", "inventory.view_stockmove"),
            (_("Stock valuation"), "inventory:valuation", "inventory.view_itemcost"),
            (_("Below reorder point"), "inventory:reorder", "inventory.view_stockbalance"),
            (_("Lots"), "inventory:lot-list", "inventory.view_lot"),
        ],
    ),
]

# Each record's detail page, for links from history and from the postings and moves it caused.
RECORD_PAGES = {
    StockAdjustment: "inventory:adjustment-detail",
    StockTransfer: "inventory:transfer-detail",
    StockCount: "inventory:count-detail",
    Lot: "inventory:lot-detail",
}
