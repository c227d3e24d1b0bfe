from tests.books import books, drain_outbox, item, location, lot_item, other_location, warehouse  # noqa: F401
