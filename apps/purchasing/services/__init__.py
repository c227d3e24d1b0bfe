"""Purchasing services, one module per document."""

from .bills import cancel_bill, create_bill, match, post_bill, update_bill
from .common import PurchasingError
from .orders import cancel_order, close_line_short, close_order, confirm_order, create_order, update_order
from .payments import allocate_payment, apply_debit_note, cancel_payment, create_payment, post_payment
from .receipts import cancel_receipt, create_receipt, post_receipt, update_receipt
from .requisitions import (
    cancel_requisition,
    convert_to_orders,
    create_requisition,
    requisition_from_reorder,
    submit_requisition,
    update_requisition,
)
from .returns import cancel_draft_return, create_return, post_return

__all__ = [
    "PurchasingError",
    "allocate_payment",
    "apply_debit_note",
    "cancel_bill",
    "cancel_draft_return",
    "cancel_order",
    "cancel_payment",
    "cancel_receipt",
    "cancel_requisition",
    "close_line_short",
    "close_order",
    "confirm_order",
    "convert_to_orders",
    "create_bill",
    "create_order",
    "create_payment",
    "create_receipt",
    "create_requisition",
    "create_return",
    "match",
    "post_bill",
    "post_payment",
    "post_receipt",
    "post_return",
    "requisition_from_reorder",
    "submit_requisition",
    "update_bill",
    "update_order",
    "update_receipt",
    "update_requisition",
]
