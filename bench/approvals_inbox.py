"""The approval inbox of a busy approver: 1,000 requests waiting among 1,000, then 100,000, decided ones.

An approver (group "approver", access to the company and its warehouse) holds the only step of
1,000 pending stock-adjustment requests and has decided 1,000 earlier ones (approved, each with its
step, assignee row and decision; each request points to its own adjustment). The rows are
generated in SQL. The inbox page ("waiting for me", with the navigation badge) is rendered through
the Django test Client, signed in, ROUNDS times; then 99,000 more decided requests are added, the
tables analysed, and the page timed again in the same run (target: <= 1.5x). The queries per page
are counted for a page of 10 and of 50 rows (InboxView.paginate_by, set here): they must be equal.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp_h3_bench .venv/bin/python bench/approvals_inbox.py
"""

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, timed

WAITING = 1_000
FEW_DECIDED = 1_000
MANY_DECIDED = 100_000
ROUNDS = 21
COMPANY_CODE = "BENCH-APPROVALS"
DOCUMENT_TYPE = "inventory.stockadjustment"

# One statement per batch: adjustments, their requests, each request's step, its assignee and (when
# decided) the approver's decision.
REQUESTS = """
    WITH documents AS (
        INSERT INTO inventory_stockadjustment (number, status, document_date, created_at, modified_at, reason,
            total_value, company_id, created_by_id, modified_by_id, warehouse_id)
        SELECT %(prefix)s || n, %(document_status)s, current_date, now(), now(), 'Shrinkage', 500 + n %% 997,
            %(company)s, %(requester)s, %(requester)s, %(warehouse)s
        FROM generate_series(1, %(count)s) AS n
        RETURNING id, number, total_value
    ), requests AS (
        INSERT INTO approvals_approvalrequest (document_type, object_id, document_number, summary, amount,
            rule_version, status, submitted_at, closed_at, company_id, content_type_id, requester_id, rule_id)
        SELECT %(document_type)s, d.id, d.number, 'MAIN: Shrinkage', d.total_value, 1, %(request_status)s,
            now() - (d.id %% 5000) * interval '1 minute', CASE WHEN %(decided)s THEN now() END,
            %(company)s, %(content_type)s, %(requester)s, %(rule)s
        FROM documents d
        RETURNING id, submitted_at
    ), steps AS (
        INSERT INTO approvals_requeststep ("order", kind, mode, label, status, activated_at, decided_at, request_id,
            user_id)
        SELECT 1, 'user', 'any', %(label)s, %(step_status)s, r.submitted_at, CASE WHEN %(decided)s THEN now() END,
            r.id, %(approver)s
        FROM requests r
        RETURNING id, request_id
    ), assignees AS (
        INSERT INTO approvals_stepassignee (via_escalation, decided, open, step_id, user_id)
        SELECT false, %(decided)s, NOT %(decided)s, s.id, %(approver)s FROM steps s
    )
    INSERT INTO approvals_decision (verdict, comment, decided_at, decided_by_id, request_id, step_id)
    SELECT 'approve', '', now(), %(approver)s, s.request_id, s.id FROM steps s WHERE %(decided)s
"""
CLEAR = [
    "DELETE FROM approvals_decision WHERE request_id IN (SELECT id FROM approvals_approvalrequest "
    "WHERE company_id = %s)",
    "DELETE FROM approvals_stepassignee WHERE step_id IN (SELECT s.id FROM approvals_requeststep s "
    "JOIN approvals_approvalrequest r ON r.id = s.request_id WHERE r.company_id = %s)",
    "DELETE FROM approvals_requeststep WHERE request_id IN (SELECT id FROM approvals_approvalrequest "
    "WHERE company_id = %s)",
    "DELETE FROM approvals_approvalrequest WHERE company_id = %s",
    "DELETE FROM inventory_stockadjustment WHERE company_id = %s",
]


class Inbox:
    def __init__(self) -> None:
        from django.contrib.auth.models import Group
        from django.contrib.contenttypes.models import ContentType
        from django.test import Client

        from apps.approvals.models import ApprovalRule, ApprovalStep
        from apps.approvals.services import save_rule
        from apps.core.models import User
        from apps.inventory.models import StockAdjustment
        from apps.masterdata import services
        from apps.masterdata.models import Company, Currency, Warehouse

        self.approver, _created = User.objects.get_or_create(username="bench-approver")
        self.approver.groups.add(Group.objects.get(name="approver"))
        self.requester, _created = User.objects.get_or_create(username="bench-requester")
        self.company = Company.objects.filter(code=COMPANY_CODE).first() or services.save_reference(
            actor=None,
            instance=Company(
                code=COMPANY_CODE, name="Bench Approvals Ltd", base_currency=Currency.objects.get(code="CNY")
            ),
        )
        self.warehouse = Warehouse.objects.filter(company=self.company, code="MAIN").first() or services.save_warehouse(
            actor=None, warehouse=Warehouse(company=self.company, code="MAIN", name="Main warehouse")
        )
        for scope in (self.company, self.warehouse):
            services.grant_access(actor=None, holder=self.approver, scope_object=scope)
        self.rule = ApprovalRule.objects.filter(company=self.company).first() or save_rule(
            actor=None,
            rule=ApprovalRule(company=self.company, document_type=DOCUMENT_TYPE, name="Every adjustment", priority=1),
            steps=[{"kind": ApprovalStep.Kind.USER, "user": self.approver}],
        )
        self.content_type = ContentType.objects.get_for_model(StockAdjustment).pk
        self.client = Client(SERVER_NAME="localhost")
        self.client.force_login(self.approver)

    def clear(self) -> None:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            for statement in CLEAR:
                cursor.execute(statement, [self.company.pk])

    def add(self, count: int, *, decided: bool, prefix: str) -> None:
        from django.db import connection, transaction

        params = {
            "prefix": prefix,
            "count": count,
            "decided": decided,
            "document_status": "posted" if decided else "pending_approval",
            "request_status": "approved" if decided else "pending",
            "step_status": "approved" if decided else "active",
            "company": self.company.pk,
            "warehouse": self.warehouse.pk,
            "requester": self.requester.pk,
            "approver": self.approver.pk,
            "content_type": self.content_type,
            "document_type": DOCUMENT_TYPE,
            "rule": self.rule.pk,
            "label": str(self.approver),
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(REQUESTS, params)
        with connection.cursor() as cursor:
            for table in ("inventory_stockadjustment", "approvals_approvalrequest", "approvals_requeststep"):
                cursor.execute(f"ANALYZE {table}")
            cursor.execute("ANALYZE approvals_stepassignee")
            cursor.execute("ANALYZE approvals_decision")

    def render(self) -> bytes:
        from apps.approvals.views import InboxView

        response = self.client.get("/approvals/", {"box": "waiting"}, secure=True)
        assert response.status_code == 200, response.status_code
        assert response.content.count(b"W-") >= InboxView.paginate_by, "the page shows a full page of waiting requests"
        return response.content

    def median_ms(self) -> float:
        from apps.approvals.selectors import waiting_for

        assert waiting_for(self.approver).count() == WAITING
        self.render()
        return statistics.median(timed(self.render) for _round in range(ROUNDS)) * 1000

    def queries(self, page_size: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from apps.approvals.views import InboxView

        InboxView.paginate_by = page_size
        try:
            self.render()
            with CaptureQueriesContext(connection) as queries:
                self.render()
        finally:
            InboxView.paginate_by = 50
        return len(queries)

    def waiting_plan(self) -> str:
        from apps.approvals.selectors import waiting_for

        return waiting_for(self.approver)[:50].explain(analyze=True)


def main() -> None:
    from bench.common import setup_django

    setup_django()
    inbox = Inbox()
    inbox.clear()
    inbox.add(WAITING, decided=False, prefix="W-")
    inbox.add(FEW_DECIDED, decided=True, prefix="D-")
    few_ms = inbox.median_ms()
    queries = {size: inbox.queries(size) for size in (10, 50)}
    inbox.add(MANY_DECIDED - FEW_DECIDED, decided=True, prefix="M-")
    many_ms = inbox.median_ms()
    queries_many = inbox.queries(50)
    print(
        f"inbox at {FEW_DECIDED:,} decided: {few_ms:.1f} ms, at {MANY_DECIDED:,}: {many_ms:.1f} ms; queries {queries}"
    )
    print(f"\nEXPLAIN ANALYZE waiting_for at {MANY_DECIDED:,} decided:\n{inbox.waiting_plan()}")
    report(
        "approvals_inbox",
        [
            {
                "figure": f"inbox page, {WAITING:,} waiting among {MANY_DECIDED:,} decided (median of {ROUNDS})",
                "value": many_ms,
                "unit": "ms",
                "baseline": f"the same among {FEW_DECIDED:,} decided",
                "baseline_value": few_ms,
                "ratio": many_ms / few_ms,
                "target": "<= 1.5x",
                "ok": many_ms / few_ms <= 1.5,
            },
            {
                "figure": "queries per inbox page of 50 rows",
                "value": queries[50],
                "unit": "queries",
                "baseline": "a page of 10 rows",
                "baseline_value": queries[10],
                "ratio": queries[50] / queries[10],
                "target": "same for any page size (and any number decided)",
                "ok": queries[50] == queries[10] == queries_many,
            },
        ],
    )


if __name__ == "__main__":
    main()
