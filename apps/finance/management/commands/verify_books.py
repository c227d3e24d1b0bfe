"""`manage.py verify_books`: every invariant of the books, with its figures; exits 1 on any difference.

Events not yet posted are counted and stated. `--drain` posts them first in this process (through
the outbox's exactly-once dispatch, so it is safe beside running workers); `--wait SECONDS` instead
waits, bounded, for the workers to post them. A difference while events are still pending is
reported as a difference all the same, with the pending count beside it.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from apps.core.models import OutboxEvent
from apps.core.outbox import dispatch
from apps.finance.verification import Verification, companies_with_books, record_verification, verify_company

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Check every invariant of the books (journal, stock, subledgers, numbers); exit 1 on any difference."

    def add_arguments(self, parser):
        parser.add_argument("--company", action="append", default=[], help="Company code (repeatable); default all.")
        parser.add_argument(
            "--drain", action="store_true", help="Post pending outbox events in this process before checking."
        )
        parser.add_argument(
            "--wait", type=float, default=0.0, metavar="SECONDS", help="Wait up to SECONDS for pending events."
        )
        parser.add_argument("--no-record", action="store_true", help="Do not keep the result for the staff page.")

    def handle(self, *args, **options):
        companies = companies_with_books()
        if options["company"]:
            companies = companies.filter(code__in=options["company"])
        company_ids = list(companies.values_list("pk", flat=True))
        if options["drain"]:
            self.stdout.write(f"drained {self._drain(company_ids)} pending events in this process")
        if options["wait"] > 0:
            self._wait(company_ids, options["wait"])
        verifications = [verify_company(company) for company in companies]
        for verification in verifications:
            self._print(verification)
            if not options["no_record"]:
                record_verification(verification)
        failed = [f"{v.company.code}: {c.code}" for v in verifications for c in v.failed_checks]
        if failed:
            raise CommandError(f"books verification found differences in {len(failed)} checks: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS(f"books verified: {len(verifications)} companies, no difference"))

    def _pending(self, company_ids: list[int]):
        return OutboxEvent.objects.filter(company_id__in=company_ids, status=OutboxEvent.Status.PENDING)

    def _drain(self, company_ids: list[int]) -> int:
        event_ids = list(self._pending(company_ids).order_by("id").values_list("id", flat=True))
        return sum(dispatch(event_id).handled for event_id in event_ids)

    def _wait(self, company_ids: list[int], seconds: float) -> None:
        started = time.monotonic()
        deadline = started + seconds
        while (pending := self._pending(company_ids).count()) and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        waited = time.monotonic() - started
        self.stdout.write(f"waited {waited:.1f} s for the workers; {pending} events still pending")

    def _print(self, verification: Verification) -> None:
        company = verification.company
        self.stdout.write(
            f"\n{company.code} {company.name}: {verification.pending_events} events pending, "
            f"{verification.failed_events} failed"
        )
        for check in verification.checks:
            figures = ", ".join(f"{name}={value}" for name, value in check.figures.items())
            mark = self.style.SUCCESS("ok  ") if check.passed else self.style.ERROR("DIFF")
            self.stdout.write(f"  [{mark}] {check.code}: {check.label}: {figures}")
            for difference in check.differences:
                self.stdout.write(f"         - {difference}")
            if check.difference_count > len(check.differences):
                self.stdout.write(f"         ... and {check.difference_count - len(check.differences)} more")
        if not verification.passed and verification.pending_events:
            self.stdout.write(
                f"  note: {verification.pending_events} events are not posted yet; the money differences may be "
                "theirs (rerun with --drain, or --wait while workers run)"
            )
