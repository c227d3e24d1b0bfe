"""The test app's writes, shaped like a module's services so the API base is exercised as modules use it."""

from datetime import date

from django.db import transaction

from apps.core.documents import transition
from apps.core.numbering import next_number

from .models import Voucher


def create_voucher(*, company, document_date: date, note: str = "", actor) -> Voucher:
    with transaction.atomic():
        voucher = Voucher(
            company=company,
            document_date=document_date,
            note=note,
            status=Voucher.Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=Voucher.DOCUMENT_TYPE, on_date=document_date),
        )
        voucher._history_user = actor
        voucher.save()
    return voucher


def update_voucher(*, voucher: Voucher, note: str, actor) -> Voucher:
    with transaction.atomic():
        voucher.note = note
        voucher.modified_by = actor
        voucher._history_user = actor
        voucher.save(update_fields=["note", "modified_by", "modified_at"])
    return voucher


def confirm_voucher(*, voucher: Voucher, actor, reason: str = "confirmed") -> Voucher:
    with transaction.atomic():
        locked = Voucher.objects.select_for_update().get(pk=voucher.pk)
        return transition(locked, to=Voucher.Status.CONFIRMED, actor=actor, reason=reason)
