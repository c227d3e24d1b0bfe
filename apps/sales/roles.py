"""Sales clerks sell; warehouse keepers ship and take returns; accountants invoice and collect."""

DOCUMENTS = ["quotation", "salesorder", "delivery", "customerinvoice", "creditnote", "customerreceipt", "salesreturn"]
VIEW_ALL = [f"sales.view_{model}" for model in DOCUMENTS]

GRANTS = {
    "administrator": ["sales.*"],
    "sales_clerk": [
        *VIEW_ALL,
        "sales.view_pricelist",
        "sales.view_pricelistline",
        *[f"sales.{action}_{model}" for model in ("quotation", "salesorder") for action in ("add", "change")],
    ],
    "warehouse_keeper": [
        "sales.view_salesorder",
        "sales.view_delivery",
        "sales.add_delivery",
        "sales.change_delivery",
        "sales.view_salesreturn",
        "sales.add_salesreturn",
        "sales.change_salesreturn",
    ],
    "accountant": [
        *VIEW_ALL,
        "sales.add_customerinvoice",
        "sales.change_customerinvoice",
        "sales.add_creditnote",
        "sales.change_creditnote",
        "sales.add_customerreceipt",
        "sales.change_customerreceipt",
        "sales.view_pricelist",
        "sales.add_pricelist",
        "sales.change_pricelist",
        "sales.view_salessettings",
        "sales.change_salessettings",
    ],
    "approver": VIEW_ALL,
}
