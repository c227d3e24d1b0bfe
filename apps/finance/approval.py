"""Manual journals take part in approvals: their total and partners decide the rule."""

from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.approvals.registry import DocumentType, Facts, key_for, register
from apps.core.documents import transition
from apps.core.errors import DomainError

from .models import ManualJournal
from .selectors import manual_journals_visible_to


def journal_facts(journal: ManualJournal) -> Facts:
    lines = list(journal.lines.all())
    return Facts(
        amount=sum((line.debit for line in lines), Decimal(0)),
        requester=journal.created_by,
        company_id=journal.company_id,
        number=journal.number,
        summary=journal.description,
        partner_ids={line.partner_id for line in lines if line.partner_id},
    )


def journal_approved(journal: ManualJournal, *, actor) -> None:
    """Approved journals post at once; if their period has closed meanwhile they stay approved."""
    from .services import post_manual_journal

    transition(journal, to=ManualJournal.Status.APPROVED, actor=actor, reason=_("Approved"))
    try:
        with transaction.atomic():
            post_manual_journal(actor=actor, journal=journal)
    except DomainError:
        pass  # the approval stands; posting again shows the reason


def journal_rejected(journal: ManualJournal, *, actor, comment: str) -> None:
    transition(
        journal, to=ManualJournal.Status.DRAFT, actor=actor, reason=_("Rejected: %(comment)s") % {"comment": comment}
    )


def journal_withdrawn(journal: ManualJournal, *, actor, reason: str) -> None:
    transition(journal, to=ManualJournal.Status.DRAFT, actor=actor, reason=reason)


def register_approvals() -> None:
    register(
        DocumentType(
            key=key_for(ManualJournal),
            label=gettext_lazy("Manual journal"),
            model=ManualJournal,
            conditions=("amount", "partner"),
            facts=journal_facts,
            on_approved=journal_approved,
            on_rejected=journal_rejected,
            on_withdrawn=journal_withdrawn,
            visible_to=manual_journals_visible_to,
            detail_url=lambda journal: reverse("finance:manual-journal-detail", args=[journal.pk]),
        )
    )
