"""Periodic checks of the books, run by Celery beat."""

from celery import shared_task

from apps.masterdata.models import Company

from .models import Account, ReconciliationRun
from .selectors import inventory_reconciliation
from .verification import companies_with_books, record_verification, verify_company


def record_reconciliation(*, company: Company) -> ReconciliationRun:
    """Compare each inventory account with the stock valuation it carries and keep the outcome.

    Only reads and one insert: running it again simply records another check.
    """
    rows, pending = inventory_reconciliation(company=company)
    differences = [
        {
            "account": row.account.code,
            "ledger": str(row.ledger_balance),
            "subledger": str(row.subledger_value),
            "difference": str(row.difference),
        }
        for row in rows
        if row.difference != 0
    ]
    return ReconciliationRun.objects.create(
        company=company, balanced=not differences, pending_events=pending, differences=differences
    )


@shared_task(acks_late=True)
def check_reconciliation() -> int:
    """Reconcile every company that keeps books; returns how many companies are out of agreement."""
    companies = Company.objects.filter(pk__in=Account.objects.values("company_id")).order_by("pk")
    return sum(not record_reconciliation(company=company).balanced for company in companies)


@shared_task(acks_late=True)
def verify_books() -> int:
    """Run every invariant check on every company's books and keep the outcome; returns how many
    companies had a difference. Only reads and one insert per company: safe to run again."""
    return sum(not record_verification(verify_company(company)).passed for company in companies_with_books())
