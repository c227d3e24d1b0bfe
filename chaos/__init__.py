"""make chaos: faults injected into a stack of its own, each followed by verify_books."""
