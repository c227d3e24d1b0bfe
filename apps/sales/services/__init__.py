"""Sales services, one module per document."""

from .common import SalesError, price_for
from .deliveries import cancel_delivery, create_delivery, post_delivery, suggest_picks
from .invoices import create_credit_note, create_invoice, post_credit_note, post_invoice
from .orders import (
    accept_quotation,
    cancel_order,
    close_order,
    confirm_order,
    create_order,
    create_quotation,
    expire_quotations,
    lose_quotation,
    reserve_backorders,
    send_quotation,
    update_order,
    update_quotation,
)
from .price_lists import save_price_list
from .receipts import allocate_receipt, apply_credit_note, cancel_receipt, create_receipt, post_receipt
from .returns import cancel_draft_return, create_return, post_return

__all__ = [
    "SalesError",
    "accept_quotation",
    "allocate_receipt",
    "apply_credit_note",
    "cancel_delivery",
    "cancel_draft_return",
    "cancel_order",
    "cancel_receipt",
    "close_order",
    "confirm_order",
    "create_credit_note",
    "create_delivery",
    "create_invoice",
    "create_order",
    "create_quotation",
    "create_receipt",
    "create_return",
    "expire_quotations",
    "lose_quotation",
    "post_credit_note",
    "post_delivery",
    "post_invoice",
    "post_receipt",
    "post_return",
    "price_for",
    "reserve_backorders",
    "save_price_list",
    "send_quotation",
    "suggest_picks",
    "update_order",
    "update_quotation",
]
