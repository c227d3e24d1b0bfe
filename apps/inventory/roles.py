"""What each role may do with stock (rows are scoped by warehouse separately)."""

STOCK_VIEW = [
    "inventory.view_stockbalance",
    "inventory.view_stockmove",
    "inventory.view_lot",
    "inventory.view_itemcost",
    "inventory.view_reservation",
    "inventory.view_stockadjustment",
    "inventory.view_stocktransfer",
    "inventory.view_stockcount",
]
STOCK_DOCUMENTS = [
    "inventory.add_stockadjustment",
    "inventory.change_stockadjustment",
    "inventory.add_stocktransfer",
    "inventory.change_stocktransfer",
    "inventory.add_stockcount",
    "inventory.change_stockcount",
    "inventory.add_lot",
]

GRANTS = {
    "administrator": ["inventory.*"],
    "warehouse_keeper": [*STOCK_VIEW, *STOCK_DOCUMENTS],
    "production_planner": STOCK_VIEW,
    "buyer": STOCK_VIEW,
    "sales_clerk": ["inventory.view_stockbalance", "inventory.view_lot", "inventory.view_reservation"],
    "accountant": [*STOCK_VIEW, "inventory.view_inventorysettings"],
    "approver": STOCK_VIEW,
}
