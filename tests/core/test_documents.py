import pytest

from apps.core.documents import TransitionError, can_transition, transition
from tests.testapp.models import Voucher

pytestmark = pytest.mark.django_db


def test_a_new_document_is_a_numbered_draft(make_voucher):
    voucher = make_voucher()

    assert voucher.status == Voucher.Status.DRAFT
    assert voucher.number == "VOUCHER-2026-00001"
    assert str(voucher) == voucher.number


def test_an_allowed_transition_is_saved_and_recorded_with_reason_and_user(make_voucher, make_user):
    voucher = make_voucher()
    approver = make_user(username="approver")

    transition(voucher, to=Voucher.Status.CONFIRMED, actor=approver, reason="checked against the order")

    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.CONFIRMED
    assert voucher.modified_by == approver
    latest = voucher.history.latest()
    assert latest.status == Voucher.Status.CONFIRMED
    assert latest.history_change_reason == "checked against the order"
    assert latest.history_user == approver


def test_a_transition_outside_the_table_is_refused_and_changes_nothing(make_voucher, clerk):
    voucher = make_voucher()
    transition(voucher, to=Voucher.Status.CANCELLED, actor=clerk, reason="duplicate")
    history_before = voucher.history.count()

    with pytest.raises(TransitionError) as refused:
        transition(voucher, to=Voucher.Status.CONFIRMED, actor=clerk, reason="too late")

    assert refused.value.code == "invalid_transition"
    assert refused.value.status_code == 409
    assert "Cancelled" in refused.value.message and "Confirmed" in refused.value.message
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.CANCELLED
    assert voucher.history.count() == history_before


def test_can_transition_answers_from_the_table(make_voucher):
    voucher = make_voucher()

    assert can_transition(voucher, Voucher.Status.CONFIRMED)
    assert can_transition(voucher, Voucher.Status.CANCELLED)
    assert not can_transition(voucher, Voucher.Status.DRAFT)
