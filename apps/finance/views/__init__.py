"""The books in the browser: chart and posting rules, periods, journals, reports (one module each)."""
