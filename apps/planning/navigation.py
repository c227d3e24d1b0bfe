"""Where planning appears in the browser: the Planning menu and the record pages history links to."""

from django.utils.translation import gettext_lazy as _

from .models import MrpRun, PlannedOrder

MENUS = [
    (
        _("Planning"),
        [
            (_("MRP runs"), "planning:run-list", "planning.view_mrprun"),
            (_("Planned orders"), "planning:planned-order-list", "planning.view_plannedorder"),
        ],
    ),
]

RECORD_PAGES = {
    MrpRun: "planning:run-detail",
    PlannedOrder: "planning:planned-order-detail",
}
