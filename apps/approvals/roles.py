"""What each role may do with approvals (which requests a user sees is decided by the documents' scope).

Whoever enters documents may follow their own requests and notifications; approvers decide and may
delegate their own approvals; `change_delegation` (administrators) delegates on behalf of others.
"""

OWN_REQUESTS = ["approvals.view_approvalrequest", "approvals.view_decision", "approvals.view_notification"]
APPROVING = [*OWN_REQUESTS, "approvals.add_decision", "approvals.view_delegation", "approvals.add_delegation"]

GRANTS = {
    "administrator": ["approvals.*"],
    "approver": APPROVING,
    "warehouse_keeper": OWN_REQUESTS,
    "accountant": OWN_REQUESTS,
    "buyer": OWN_REQUESTS,
    "sales_clerk": OWN_REQUESTS,
    "production_planner": OWN_REQUESTS,
}
