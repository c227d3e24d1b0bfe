"""The inbox and the approval trail of a document.

"Waiting for me" reads the open assignee rows of the user and of those who delegated to them
(an index on open rows), then keeps only requests for documents the user may see: its cost
follows what waits, not how much has been decided before.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.core.access import scoped
from apps.masterdata.models import Company

from . import registry
from .models import ApprovalRequest, ApprovalRule, Decision, Delegation, Notification, RequestStep, StepAssignee
from .services import delegations_to


def _documents_visible(user) -> Q:
    """Requests whose document the user may see, one clause per approvable document type."""
    condition = Q(pk__in=[])
    for document_type in registry.document_types():
        content_type = ContentType.objects.get_for_model(document_type.model)
        condition |= Q(content_type=content_type, object_id__in=document_type.visible_to(user).values("pk"))
    return condition


def _requests(user) -> QuerySet[ApprovalRequest]:
    return scoped(
        ApprovalRequest.objects.select_related("requester", "content_type", "rule"),
        user=user,
        perm="masterdata.access_company",
        scope_model=Company,
        through="company",
    )


def _waiting_ids(user, only: int | None = None) -> list[int]:
    """Ids of the requests whose current step the user (or someone who delegated to them) has yet
    to decide, among documents the user may see; `only` narrows it to one request.

    Two steps: the requests open for the user (by the open-assignee index: a short list), then
    which of their documents the user may see, one small query per document type among them. One
    query with every type's visibility inlined cost more to plan than to run, and grew with every
    document the user may see.
    """
    if not user.is_authenticated:
        return []
    stood_in_for = delegations_to(user).values("delegator_id")
    open_for_me = StepAssignee.objects.filter(step__request=OuterRef("pk"), open=True).filter(
        Q(user=user) | Q(user_id__in=stood_in_for)
    )
    candidates = (
        _requests(user)
        .filter(status=ApprovalRequest.Status.PENDING)
        .exclude(requester=user)
        .filter(Exists(open_for_me))
        .values_list("pk", "content_type_id", "object_id")
    )
    if only is not None:
        candidates = candidates.filter(pk=only)
    requests_by_document: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for request_id, content_type_id, object_id in candidates:
        requests_by_document[content_type_id][object_id].append(request_id)
    visible = []
    for document_type in registry.document_types():
        documents = requests_by_document.get(ContentType.objects.get_for_model(document_type.model).pk)
        if documents:
            for document_id in (
                document_type.visible_to(user).filter(pk__in=list(documents)).values_list("pk", flat=True)
            ):
                visible.extend(documents[document_id])
    return visible


def waiting_for(user) -> QuerySet[ApprovalRequest]:
    """Requests whose current step the user (or someone who delegated to them) has yet to decide."""
    return (
        ApprovalRequest.objects.select_related("requester", "content_type", "rule")
        .filter(pk__in=_waiting_ids(user))
        .order_by("submitted_at", "id")
    )


def waits_for(user, approval_request: ApprovalRequest) -> bool:
    """Whether the request's current step waits for the user's decision."""
    return bool(_waiting_ids(user, only=approval_request.pk))


def waiting_count(user) -> int:
    return len(_waiting_ids(user))


def submitted_by(user) -> QuerySet[ApprovalRequest]:
    return _requests(user).filter(requester=user).exclude(status=ApprovalRequest.Status.NOT_REQUIRED)


def decided_by(user) -> QuerySet[ApprovalRequest]:
    mine = Decision.objects.filter(request=OuterRef("pk")).filter(Q(decided_by=user) | Q(on_behalf_of=user))
    return _requests(user).filter(Exists(mine)).filter(_documents_visible(user))


def request_visible_to(user) -> QuerySet[ApprovalRequest]:
    """A request page: for its requester, its approvers, and whoever may see the document."""
    return _requests(user).filter(_documents_visible(user))


def current_steps(requests: list[ApprovalRequest]) -> dict[int, RequestStep]:
    """The active step of each request, with who holds it (one query for the page)."""
    steps = RequestStep.objects.filter(request__in=requests, status=RequestStep.Status.ACTIVE).prefetch_related(
        "assignees__user"
    )
    return {step.request_id: step for step in steps}


@dataclass
class TrailStep:
    step: RequestStep
    decisions: list[Decision]
    holders: list
    waiting_since: datetime | None


@dataclass
class Trail:
    request: ApprovalRequest
    steps: list[TrailStep]


def trail_for(document) -> list[Trail]:
    """Every request of the document, newest first: each step, who decided what and when, who holds it now."""
    content_type = ContentType.objects.get_for_model(document)
    requests = (
        ApprovalRequest.objects.filter(content_type=content_type, object_id=document.pk)
        .exclude(status=ApprovalRequest.Status.NOT_REQUIRED)
        .select_related("requester", "rule")
        .prefetch_related("steps__assignees__user", "steps__decisions__decided_by", "steps__decisions__on_behalf_of")
        .order_by("-submitted_at")
    )
    return [
        Trail(
            request=request,
            steps=[
                TrailStep(
                    step=step,
                    decisions=list(step.decisions.all()),
                    holders=[a.user for a in step.assignees.all() if a.open],
                    waiting_since=step.activated_at if step.status == RequestStep.Status.ACTIVE else None,
                )
                for step in request.steps.all()
            ],
        )
        for request in requests
    ]


def rules_visible_to(user) -> QuerySet[ApprovalRule]:
    return scoped(
        ApprovalRule.objects.all(), user=user, perm="masterdata.access_company", scope_model=Company, through="company"
    )


def delegations_of(user) -> QuerySet[Delegation]:
    return Delegation.objects.filter(Q(delegator=user) | Q(delegate=user)).select_related("delegator", "delegate")


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("request")


def unread_notification_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def age_of(request: ApprovalRequest) -> float:
    """Hours since submission, for the inbox."""
    return (timezone.now() - request.submitted_at).total_seconds() / 3600
