"""Ageing buckets shared by the receivables and payables reports."""

AGEING_BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")


def ageing_bucket(days_overdue: int) -> str:
    """Not yet due, 1-30, 31-60, 61-90 or over 90 days overdue."""
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1_30"
    if days_overdue <= 60:
        return "31_60"
    if days_overdue <= 90:
        return "61_90"
    return "over_90"
