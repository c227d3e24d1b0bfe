"""Inventory services: the ledger engine and one module per stock document."""

from .adjustments import cancel_adjustment, create_adjustment, post_adjustment, update_adjustment
from .counts import cancel_count, confirm_count, create_count, record_counts, start_count
from .ledger import (
    MoveLine,
    ReservationRequest,
    StockError,
    lot_for_receipt,
    post_moves,
    release_reservations,
    reserve,
    reverse_moves,
)
from .transfers import cancel_transfer, complete_transfer, create_transfer, receive_transfer, update_transfer

__all__ = [
    "MoveLine",
    "ReservationRequest",
    "StockError",
    "cancel_adjustment",
    "cancel_count",
    "cancel_transfer",
    "complete_transfer",
    "confirm_count",
    "create_adjustment",
    "create_count",
    "create_transfer",
    "lot_for_receipt",
    "post_adjustment",
    "post_moves",
    "receive_transfer",
    "record_counts",
    "release_reservations",
    "reserve",
    "reverse_moves",
    "start_count",
    "update_adjustment",
    "update_transfer",
]
