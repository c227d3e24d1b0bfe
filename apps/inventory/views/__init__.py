"""Inventory pages: one module per stock document, the reports, and the pieces they share (documents.py)."""
