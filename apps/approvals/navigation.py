"""Where approvals appear in the browser: the top menu, the home page's overview, record pages."""

from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import ApprovalRule

MENUS = [
    (
        _("Approvals"),
        [
            (_("Inbox"), "approvals:inbox", "approvals.view_approvalrequest"),
            (_("Delegations"), "approvals:delegations", "approvals.view_delegation"),
            (_("Notifications"), "approvals:notifications", "approvals.view_notification"),
            (_("Approval rules"), "approvals:rules", "approvals.change_approvalrule"),
        ],
    )
]

OVERVIEW = [
    (_("Waiting for my approval"), "approvals:inbox", "approvals.add_decision", selectors.waiting_for),
]

RECORD_PAGES = {ApprovalRule: "approvals:rule_detail"}
