"""Buyers run purchasing; warehouse keepers receive and return goods; accountants bill and pay."""

DOCUMENTS = [
    "purchaserequisition",
    "purchaseorder",
    "goodsreceipt",
    "supplierbill",
    "supplierpayment",
    "purchasereturn",
]
VIEW_ALL = [f"purchasing.view_{model}" for model in DOCUMENTS]

GRANTS = {
    "administrator": ["purchasing.*"],
    "buyer": [
        *VIEW_ALL,
        *[f"purchasing.{action}_{model}" for model in DOCUMENTS[:2] for action in ("add", "change")],
        "purchasing.view_purchasingsettings",
    ],
    "warehouse_keeper": [
        *VIEW_ALL[:3],
        "purchasing.add_goodsreceipt",
        "purchasing.change_goodsreceipt",
        "purchasing.view_purchasereturn",
        "purchasing.add_purchasereturn",
        "purchasing.change_purchasereturn",
        "purchasing.add_purchaserequisition",
    ],
    "production_planner": [
        *VIEW_ALL[:2],
        "purchasing.add_purchaserequisition",
        "purchasing.change_purchaserequisition",
    ],
    "accountant": [
        *VIEW_ALL,
        "purchasing.add_supplierbill",
        "purchasing.change_supplierbill",
        "purchasing.add_supplierpayment",
        "purchasing.change_supplierpayment",
        "purchasing.view_purchasingsettings",
        "purchasing.change_purchasingsettings",
    ],
    "approver": VIEW_ALL,
}
