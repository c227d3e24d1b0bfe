"""Production planners plan and run work orders; warehouse keepers issue material and take output."""

DOCUMENTS = ["billofmaterials", "bomline", "workorder", "workordercomponent", "materialissue", "productionoutput"]
VIEW_ALL = [f"production.view_{model}" for model in [*DOCUMENTS, "materialissueline", "lotgenealogy"]]

GRANTS = {
    "administrator": ["production.*"],
    "production_planner": [
        *VIEW_ALL,
        *[f"production.{action}_{model}" for model in DOCUMENTS for action in ("add", "change")],
    ],
    "warehouse_keeper": [
        *VIEW_ALL,
        "production.add_materialissue",
        "production.add_productionoutput",
    ],
    "accountant": VIEW_ALL,
    "buyer": ["production.view_billofmaterials", "production.view_bomline", "production.view_workorder"],
    "sales_clerk": ["production.view_workorder"],
}
