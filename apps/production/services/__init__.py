"""Production services: bills of materials, work orders, material issue and output."""

from .boms import activate_bom, create_bom, deactivate_bom, update_bom
from .common import ProductionError
from .postings import IssueLine, issue_materials, post_output
from .work_orders import (
    cancel_work_order,
    close_work_order,
    complete_work_order,
    create_work_order,
    release_work_order,
    start_work_order,
    update_work_order,
)

__all__ = [
    "IssueLine",
    "ProductionError",
    "activate_bom",
    "cancel_work_order",
    "close_work_order",
    "complete_work_order",
    "create_bom",
    "create_work_order",
    "deactivate_bom",
    "issue_materials",
    "post_output",
    "release_work_order",
    "start_work_order",
    "update_bom",
    "update_work_order",
]
