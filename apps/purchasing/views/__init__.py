"""Purchasing pages: one module per document, the reports, and the pieces they share (documents.py)."""
