"""Production planners run MRP and convert its planned orders; buyers read the planned purchases."""

GRANTS = {
    "administrator": ["planning.*"],
    "production_planner": [
        "planning.view_mrprun",
        "planning.add_mrprun",
        "planning.view_plannedorder",
        "planning.change_plannedorder",
        "planning.view_pegging",
    ],
    "buyer": ["planning.view_mrprun", "planning.view_plannedorder", "planning.view_pegging"],
}
