"""Sales pages, one module per document, plus the reports."""
