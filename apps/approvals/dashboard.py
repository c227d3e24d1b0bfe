"""Approvals on the home page's dashboard: what waits for the user's decision and what they await.

Both read through the inbox's own selectors, so only requests for documents the user may see count.
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from apps.core.dashboard import Card, Figure, Panel, Scope

from . import selectors
from .models import ApprovalRequest


def inbox_url(box: str) -> str:
    return f"{reverse('approvals:inbox')}?{urlencode({'box': box})}"


def pending_approvals(scope: Scope) -> Panel:
    waiting = selectors.waiting_count(scope.user)
    submitted = selectors.submitted_by(scope.user).filter(status=ApprovalRequest.Status.PENDING).count()
    return Panel(
        url=inbox_url("waiting"),
        figures=[
            Figure("waiting", _("Waiting for my decision"), waiting, inbox_url("waiting"), attention=waiting > 0),
            Figure("submitted", _("My requests awaiting a decision"), submitted, inbox_url("submitted")),
        ],
        note=_("Across every company you may see."),
    )


CARDS = [
    Card(
        key="approvals",
        title=_("Pending approvals"),
        permission="approvals.view_approvalrequest",
        build=pending_approvals,
        order=800,
    )
]
