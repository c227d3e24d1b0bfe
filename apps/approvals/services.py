"""Submitting documents, deciding steps, delegating, escalating, and telling people what waits.

A decision and the document's change of state happen in one transaction, under a lock on the
request row, so two approvers deciding the same step at once produce one decision, never two
transitions.
"""

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.core.money import round_amount

from . import registry
from .models import (
    ApprovalLink,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStep,
    Decision,
    Delegation,
    Notification,
    RequestStep,
    StepAssignee,
)

LINK_LIFETIME = timedelta(days=3)
# A rule's condition fields and the condition each needs the document type to offer.
RULE_CONDITIONS = {
    "min_amount": "amount",
    "discount_above": "discount",
    "credit_limit_exceeded": "credit_limit",
    "match_exception": "match_exception",
    "below_price_floor": "price_floor",
    "partners": "partner",
    "item_categories": "item_category",
    "warehouses": "warehouse",
}


class ApprovalError(DomainError):
    pass


# --- Rules ---------------------------------------------------------------------------------------


def save_rule(
    *, actor, rule: ApprovalRule, steps: list[dict], partners=(), item_categories=(), warehouses=(), reason: str = ""
) -> ApprovalRule:
    """Save a rule and its ordered steps; every save is a new version (requests keep theirs)."""
    known = {t.key: t for t in registry.document_types()}
    document_type = known.get(rule.document_type)
    errors: dict[str, list[str]] = {}
    if document_type is None:
        errors["document_type"] = [_("Choose a document type that takes part in approvals.")]
    else:
        used = {
            "min_amount": rule.min_amount is not None,
            "discount_above": rule.discount_above is not None,
            "credit_limit_exceeded": rule.credit_limit_exceeded,
            "match_exception": rule.match_exception,
            "below_price_floor": rule.below_price_floor,
            "partners": bool(partners),
            "item_categories": bool(item_categories),
            "warehouses": bool(warehouses),
        }
        for field_name, condition in RULE_CONDITIONS.items():
            if used[field_name] and condition not in document_type.conditions:
                errors[field_name] = [
                    _("%(type)s documents do not offer this condition.") % {"type": document_type.label}
                ]
    if not steps:
        errors["steps"] = [_("Add at least one approval step.")]
    for index, step in enumerate(steps):
        kind = step.get("kind")
        if kind == ApprovalStep.Kind.USER and not step.get("user"):
            errors[f"steps.{index}.user"] = [_("Choose the approving user.")]
        if kind == ApprovalStep.Kind.GROUP and not step.get("group"):
            errors[f"steps.{index}.group"] = [_("Choose the approving group.")]
        if step.get("escalate_after_hours") and not step.get("fallback_user"):
            errors[f"steps.{index}.fallback_user"] = [_("Escalation needs a fallback approver.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if rule.pk:
            rule.version = ApprovalRule.objects.select_for_update().get(pk=rule.pk).version + 1
        rule.full_clean()
        rule._history_user = actor
        rule._change_reason = reason or (_("Edited") if rule.pk else _("Created"))
        rule.save()
        rule.partners.set(partners)
        rule.item_categories.set(item_categories)
        rule.warehouses.set(warehouses)
        rule.steps.all().delete()
        for order, step in enumerate(steps, start=1):
            row = ApprovalStep(
                rule=rule,
                order=order,
                kind=step["kind"],
                user=step.get("user"),
                group=step.get("group"),
                mode=step.get("mode") or ApprovalStep.Mode.ANY,
                escalate_after_hours=step.get("escalate_after_hours"),
                fallback_user=step.get("fallback_user"),
            )
            row._history_user = actor
            row.full_clean(exclude=["rule"])
            row.save()
    return rule


def _matches(rule: ApprovalRule, facts: registry.Facts) -> bool:
    if rule.min_amount is not None and facts.amount < rule.min_amount:
        return False
    if rule.discount_above is not None and (
        facts.discount_percent is None or facts.discount_percent <= rule.discount_above
    ):
        return False
    if rule.credit_limit_exceeded and not facts.credit_limit_exceeded:
        return False
    if rule.match_exception and not facts.match_exception:
        return False
    if rule.below_price_floor and not facts.price_below_floor:
        return False
    for wanted, present in (
        ({p.pk for p in rule.partners.all()}, facts.partner_ids),
        ({c.pk for c in rule.item_categories.all()}, facts.item_category_ids),
        ({w.pk for w in rule.warehouses.all()}, facts.warehouse_ids),
    ):
        if wanted and not (wanted & present):
            return False
    return True


def matching_rule(*, document_type: registry.DocumentType, facts: registry.Facts) -> ApprovalRule | None:
    rules = (
        ApprovalRule.objects.filter(company_id=facts.company_id, document_type=document_type.key, active=True)
        .prefetch_related("partners", "item_categories", "warehouses", "steps")
        .order_by("priority", "id")
    )
    return next((rule for rule in rules if _matches(rule, facts)), None)


# --- Submitting ----------------------------------------------------------------------------------


def _document_of(request: ApprovalRequest) -> models.Model:
    return request.content_type.get_object_for_this_type(pk=request.object_id)


def open_request_for(document: models.Model) -> ApprovalRequest | None:
    content_type = ContentType.objects.get_for_model(document)
    return ApprovalRequest.objects.filter(
        content_type=content_type, object_id=document.pk, status=ApprovalRequest.Status.PENDING
    ).first()


def submit(*, document: models.Model, actor) -> ApprovalRequest:
    """Start the chain of the first matching rule; without one, record that none was needed.

    The caller (the document's service) moves the document to pending approval when the returned
    request is pending, or goes on (posts) when it is `not_required`.
    """
    document_type = registry.for_model(type(document))
    facts = document_type.facts(document)
    rule = matching_rule(document_type=document_type, facts=facts)
    # Only a pending request can be a duplicate; a document waiting for one is no longer a draft, so a
    # submission that needs no approval cannot meet one.
    if rule is not None and open_request_for(document) is not None:
        raise ApprovalError(
            _("%(document)s is already waiting for approval.") % {"document": facts.number},
            code="already_submitted",
            status_code=409,
        )
    request = ApprovalRequest(
        company_id=facts.company_id,
        document_type=document_type.key,
        content_type=ContentType.objects.get_for_model(document),
        object_id=document.pk,
        document_number=facts.number,
        summary=facts.summary[:300],
        amount=round_amount(facts.amount),
        requester=facts.requester,
    )
    if rule is None:
        request.status, request.closed_at = ApprovalRequest.Status.NOT_REQUIRED, timezone.now()
        request._history_user = actor
        request.save()
        return request
    request.rule, request.rule_version = rule, rule.version
    request._history_user = actor
    request._change_reason = _("Submitted under rule %(rule)s (version %(version)d)") % {
        "rule": rule.name,
        "version": rule.version,
    }
    request.save()
    steps = [
        RequestStep(
            request=request,
            order=step.order,
            kind=step.kind,
            mode=step.mode,
            label=_step_label(step),
            user=step.user,
            group=step.group,
            escalate_after_hours=step.escalate_after_hours,
            fallback_user=step.fallback_user,
        )
        for step in rule.steps.all()
    ]
    RequestStep.objects.bulk_create(steps)
    _activate(request, steps[0])
    return request


def _step_label(step: ApprovalStep) -> str:
    if step.kind == ApprovalStep.Kind.USER:
        return str(step.user)
    if step.kind == ApprovalStep.Kind.GROUP:
        from apps.core.roles import role_label

        mode = _("all of") if step.mode == ApprovalStep.Mode.ALL else _("any of")
        return f"{mode} {role_label(step.group.name)}"
    return _("the requester's manager")


def _approvers(request: ApprovalRequest, step: RequestStep) -> list:
    """Who decides the step, resolved when it is reached; the requester never approves their own."""
    if step.kind == ApprovalStep.Kind.USER:
        users = [step.user]
    elif step.kind == ApprovalStep.Kind.GROUP:
        users = list(get_user_model().objects.filter(groups=step.group_id, is_active=True).order_by("pk"))
    else:
        manager = request.requester.manager
        users = [manager] if manager is not None else []
    users = [user for user in users if user.is_active and user.pk != request.requester_id]
    if not users and step.fallback_user_id and step.fallback_user_id != request.requester_id:
        users = [step.fallback_user]
    return users


def _activate(request: ApprovalRequest, step: RequestStep) -> None:
    approvers = _approvers(request, step)
    if not approvers:
        raise ApprovalError(
            _("Nobody can decide step %(step)d (%(label)s) of this request: name a fallback approver in the rule.")
            % {"step": step.order, "label": step.label},
            code="no_approver",
        )
    step.status, step.activated_at = RequestStep.Status.ACTIVE, timezone.now()
    step.save(update_fields=["status", "activated_at"])
    StepAssignee.objects.bulk_create([StepAssignee(step=step, user=user) for user in approvers])
    notify(
        users=approvers,
        request=request,
        message=_("%(number)s waits for your approval: %(summary)s")
        % {"number": request.document_number, "summary": request.summary},
    )


# --- Deciding ------------------------------------------------------------------------------------


def delegations_to(user, *, on_date: date | None = None) -> QuerySet[Delegation]:
    """The delegations under which `user` stands in for someone today."""
    on_date = on_date or timezone.localdate()
    return Delegation.objects.filter(delegate=user, active=True, start_date__lte=on_date, end_date__gte=on_date)


def delegators_of(user, *, on_date: date | None = None) -> list[int]:
    """Whom `user` stands in for today."""
    return list(delegations_to(user, on_date=on_date).values_list("delegator_id", flat=True))


@dataclass(frozen=True)
class Outcome:
    request: ApprovalRequest
    verdict: str
    finished: bool


def decide(*, request: ApprovalRequest, actor, verdict: str, comment: str = "") -> Outcome:
    """Record `actor`'s decision on the request's current step and move the chain (and document) on."""
    if verdict not in Decision.Verdict.values:
        raise ValidationError({"verdict": [_("Approve or reject.")]})
    if verdict == Decision.Verdict.REJECT and not comment.strip():
        raise ValidationError({"comment": [_("Say why you reject it.")]})
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ApprovalRequest.Status.PENDING:
            raise ApprovalError(
                _("%(request)s has already been decided.") % {"request": request},
                code="already_decided",
                status_code=409,
            )
        if request.requester_id == actor.pk:
            raise ApprovalError(_("Nobody approves their own request."), code="self_approval", status_code=403)
        step = request.steps.get(status=RequestStep.Status.ACTIVE)
        assignee = _assignee_for(step, actor, requester_id=request.requester_id)
        on_behalf_of = assignee.user if assignee.user_id != actor.pk else None
        Decision.objects.create(
            request=request,
            step=step,
            decided_by=actor,
            on_behalf_of=on_behalf_of,
            verdict=verdict,
            comment=comment.strip(),
        )
        StepAssignee.objects.filter(pk=assignee.pk).update(decided=True, open=False)
        if verdict == Decision.Verdict.REJECT:
            _finish(request, step, approved=False, actor=actor, comment=comment.strip())
            return Outcome(request, verdict, finished=True)
        if step.mode == ApprovalStep.Mode.ALL and step.assignees.filter(decided=False).exists():
            return Outcome(request, verdict, finished=False)
        step.status, step.decided_at = RequestStep.Status.APPROVED, timezone.now()
        step.save(update_fields=["status", "decided_at"])
        step.assignees.update(open=False)
        following = request.steps.filter(order__gt=step.order).order_by("order").first()
        if following is not None:
            _activate(request, following)
            return Outcome(request, verdict, finished=False)
        _finish(request, step, approved=True, actor=actor, comment=comment.strip())
        return Outcome(request, verdict, finished=True)


def _assignee_for(step: RequestStep, actor, *, requester_id: int) -> StepAssignee:
    """The open assignee `actor` decides as: themselves, or someone who delegated to them."""
    assignees = {a.user_id: a for a in step.assignees.filter(open=True).select_related("user")}
    if actor.pk in assignees:
        return assignees[actor.pk]
    for delegator_id in delegators_of(actor):
        if delegator_id in assignees and delegator_id != requester_id:
            return assignees[delegator_id]
    if step.assignees.filter(user=actor, decided=True).exists():
        raise ApprovalError(_("You have already decided this step."), code="already_decided", status_code=409)
    raise ApprovalError(_("This request is not waiting for you."), code="not_your_step", status_code=403)


def _finish(request: ApprovalRequest, step: RequestStep, *, approved: bool, actor, comment: str) -> None:
    document_type = registry.by_key(request.document_type)
    document = _document_of(request)
    now = timezone.now()
    if approved:
        request.status = ApprovalRequest.Status.APPROVED
    else:
        request.status = ApprovalRequest.Status.REJECTED
        step.status, step.decided_at = RequestStep.Status.REJECTED, now
        step.save(update_fields=["status", "decided_at"])
        request.steps.filter(status=RequestStep.Status.WAITING).update(status=RequestStep.Status.CANCELLED)
    StepAssignee.objects.filter(step__request=request, open=True).update(open=False)
    request.closed_at = now
    request._history_user = actor
    request._change_reason = comment or request.get_status_display()
    request.save(update_fields=["status", "closed_at"])
    if approved:
        document_type.on_approved(document, actor=actor)
        message = _("%(number)s was approved.") % {"number": request.document_number}
    else:
        document_type.on_rejected(document, actor=actor, comment=comment)
        message = _("%(number)s was rejected: %(comment)s") % {"number": request.document_number, "comment": comment}
    notify(users=[request.requester], request=request, message=message)


def decide_many(*, requests: list[ApprovalRequest], actor, verdict: str, comment: str = "") -> list[tuple]:
    """Decide several requests, each in its own transaction: one refusal does not hold up the rest."""
    results = []
    for request in requests:
        try:
            results.append((request, decide(request=request, actor=actor, verdict=verdict, comment=comment), None))
        except (DomainError, ValidationError) as refused:
            results.append((request, None, refused))
    return results


def withdraw(*, document: models.Model, actor, reason: str) -> ApprovalRequest | None:
    """Take a waiting request back (the document is being edited): its steps stop, nobody holds it."""
    with transaction.atomic():
        request = open_request_for(document)
        if request is None:
            return None
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        request.status, request.closed_at = ApprovalRequest.Status.WITHDRAWN, timezone.now()
        request._history_user, request._change_reason = actor, reason
        request.save(update_fields=["status", "closed_at"])
        request.steps.filter(status__in=[RequestStep.Status.ACTIVE, RequestStep.Status.WAITING]).update(
            status=RequestStep.Status.CANCELLED
        )
        StepAssignee.objects.filter(step__request=request, open=True).update(open=False)
        registry.by_key(request.document_type).on_withdrawn(document, actor=actor, reason=reason)
    return request


# --- Delegation ----------------------------------------------------------------------------------


def save_delegation(*, actor, delegation: Delegation) -> Delegation:
    if delegation.delegator_id != actor.pk and not actor.has_perm("approvals.change_delegation"):
        raise ApprovalError(_("You can only delegate your own approvals."), code="not_your_delegation", status_code=403)
    delegation.full_clean()
    delegation._history_user = actor
    delegation.save()
    return delegation


# --- Escalation and reminders --------------------------------------------------------------------


def escalate_due(*, now=None) -> int:
    """Hand steps waiting longer than their limit to the fallback approver; remind halfway there."""
    now = now or timezone.now()
    escalated = 0
    active = RequestStep.objects.filter(status=RequestStep.Status.ACTIVE, escalate_after_hours__isnull=False)
    for step in active.select_related("request", "fallback_user"):
        limit = timedelta(hours=step.escalate_after_hours)
        if step.reminded_at is None and step.activated_at + limit / 2 <= now:
            _remind(step, now=now)
        if step.escalated_at is None and step.activated_at + limit <= now:
            escalated += _escalate(step, now=now)
    return escalated


def _remind(step: RequestStep, *, now) -> None:
    with transaction.atomic():
        locked = RequestStep.objects.select_for_update().get(pk=step.pk)
        if locked.reminded_at is not None or locked.status != RequestStep.Status.ACTIVE:
            return
        locked.reminded_at = now
        locked.save(update_fields=["reminded_at"])
        users = [a.user for a in locked.assignees.filter(open=True).select_related("user")]
        notify(
            users=users,
            request=step.request,
            message=_("Reminder: %(number)s still waits for your approval.") % {"number": step.request.document_number},
        )


def _escalate(step: RequestStep, *, now) -> int:
    with transaction.atomic():
        locked = RequestStep.objects.select_for_update().select_related("request").get(pk=step.pk)
        if locked.escalated_at is not None or locked.status != RequestStep.Status.ACTIVE:
            return 0
        locked.escalated_at = now
        locked.save(update_fields=["escalated_at"])
        fallback = locked.fallback_user
        if fallback is None or fallback.pk == locked.request.requester_id:
            return 0
        StepAssignee.objects.update_or_create(
            step=locked, user=fallback, defaults={"via_escalation": True, "open": True, "decided": False}
        )
        notify(
            users=[fallback],
            request=locked.request,
            message=_("%(number)s was escalated to you after waiting %(hours)d hours.")
            % {"number": locked.request.document_number, "hours": locked.escalate_after_hours},
        )
    return 1


# --- Notifications -------------------------------------------------------------------------------


def notify(*, users: list, request: ApprovalRequest | None, message: str) -> None:
    """An in-app notification for each user, and an e-mail with a single-use link after commit."""
    Notification.objects.bulk_create(
        [Notification(user=user, request=request, message=message[:300]) for user in users]
    )
    from .tasks import send_approval_mail

    for user in users:
        if user.email and request is not None:
            token = issue_link(user=user, request=request)
            transaction.on_commit(functools.partial(_enqueue_mail, send_approval_mail, user.pk, message, token))


def _enqueue_mail(task, user_id: int, message: str, token: str) -> None:
    try:
        task.apply_async(args=[user_id, message, token], retry=False)
    except Exception:  # a broker outage must not fail the decision that was already committed
        return


def issue_link(*, user, request: ApprovalRequest) -> str:
    token = secrets.token_urlsafe(32)
    ApprovalLink.objects.create(
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        user=user,
        request=request,
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    return token


def use_link(*, token: str, user) -> ApprovalRequest:
    """The request an e-mailed link opens, once, for the user it was sent to, before it expires."""
    with transaction.atomic():
        link = (
            ApprovalLink.objects.select_for_update()
            .filter(token_hash=hashlib.sha256(token.encode()).hexdigest())
            .first()
        )
        if link is None or link.user_id != user.pk:
            raise ApprovalError(_("This link is not valid."), code="invalid_link", status_code=404)
        if link.used_at is not None:
            raise ApprovalError(
                _("This link was already used; open the request from your inbox."), code="link_used", status_code=410
            )
        if link.expires_at < timezone.now():
            raise ApprovalError(
                _("This link has expired; open the request from your inbox."), code="link_expired", status_code=410
            )
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        return link.request


def mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())
