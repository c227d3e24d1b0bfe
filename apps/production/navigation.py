"""Where production appears in the browser: the Production menu, the home page's tiles and the record
pages history links to."""

from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import BillOfMaterials, MaterialIssue, ProductionOutput, WorkOrder

MENUS = [
    (
        _("Production"),
        [
            (_("Work orders"), "production:work-order-list", "production.view_workorder"),
            (_("Bills of materials"), "production:bom-list", "production.view_billofmaterials"),
            (_("Material issues"), "production:issue-list", "production.view_materialissue"),
            (_("Production outputs"), "production:output-list", "production.view_productionoutput"),
            (_("Shop-floor screen"), "shopfloor:screen", "production.view_workorder"),
        ],
    ),
]

OVERVIEW = [
    (
        _("Open work orders"),
        "production:work-order-list",
        "production.view_workorder",
        lambda user: selectors.work_orders_visible_to(user).filter(status__in=WorkOrder.STATUS_GROUPS["open"]),
    ),
]

RECORD_PAGES = {
    BillOfMaterials: "production:bom-detail",
    WorkOrder: "production:work-order-detail",
    MaterialIssue: "production:issue-detail",
    ProductionOutput: "production:output-detail",
}
