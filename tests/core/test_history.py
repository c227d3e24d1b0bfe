import pytest
from django.contrib.auth import get_user_model

from apps.core.documents import transition
from apps.core.history import history_entries
from tests.factories import CompanyFactory
from tests.testapp import services
from tests.testapp.models import Voucher

pytestmark = pytest.mark.django_db


def changes_of(entry) -> dict[str, tuple[str, str]]:
    return {change.field: (change.old, change.new) for change in entry.changes}


def test_a_creation_lists_the_values_it_set(make_voucher):
    voucher = make_voucher(note="first")

    [created] = history_entries(voucher)

    assert (created.kind, str(created.kind_label), created.user) == ("+", "Created", "clerk")
    changes = changes_of(created)
    assert changes["note"] == ("", "first")
    assert changes["company"] == ("", "Acme Manufacturing Co., Ltd.")
    assert changes["status"] == ("", "Draft")
    assert not {"id", "created_at", "modified_at"} & set(changes)


def test_a_change_lists_old_and_new_values_with_foreign_keys_by_name(make_voucher, make_user):
    voucher = make_voucher(note="first")
    reviewer = make_user(username="reviewer", first_name="Li", last_name="Wei")
    Voucher.objects.filter(pk=voucher.pk).update(company=CompanyFactory(code="NEW", name="Nova Trading"))
    voucher.refresh_from_db()
    services.update_voucher(voucher=voucher, note="second", actor=reviewer)

    latest = history_entries(voucher)[0]

    assert latest.kind == "~"
    assert latest.user == "Li Wei (reviewer)"
    assert changes_of(latest) == {
        "company": ("Acme Manufacturing Co., Ltd.", "Nova Trading"),
        "note": ("first", "second"),
        "modified_by": ("clerk", "Li Wei (reviewer)"),
    }
    assert [change.label for change in latest.changes] == ["company", "modified by", "note"]


def test_a_transition_shows_its_reason_and_status_labels(make_voucher, clerk):
    voucher = make_voucher()
    transition(voucher, to=Voucher.Status.CONFIRMED, actor=clerk, reason="checked")

    latest = history_entries(voucher)[0]

    assert latest.reason == "checked"
    assert changes_of(latest)["status"] == ("Draft", "Confirmed")


def test_saves_that_change_nothing_visible_are_left_out(make_user):
    user = make_user(username="keeper", phone="1")
    user.save(update_fields=["last_login"])  # excluded from history: a sign-in
    user.phone = "2"
    user.save()

    entries = history_entries(user)

    assert user.history.count() == 3
    assert [entry.kind for entry in entries] == ["~", "+"]
    assert changes_of(entries[0]) == {"phone": ("1", "2")}


def test_a_user_history_names_the_manager(make_user):
    boss = make_user(username="boss")
    user = make_user(username="worker")
    user.manager = boss
    user.save()

    assert changes_of(history_entries(user)[0]) == {"manager": ("", "boss")}
    assert "password" not in changes_of(history_entries(get_user_model().objects.get(pk=user.pk))[-1])


def test_history_is_limited_to_the_newest_entries(make_voucher, clerk):
    voucher = make_voucher()
    for note in ("a", "b", "c"):
        services.update_voucher(voucher=voucher, note=note, actor=clerk)

    entries = history_entries(voucher, limit=2)

    assert [changes_of(entry)["note"] for entry in entries] == [("b", "c"), ("a", "b")]


def test_a_models_history_manager_class_is_built_once():
    # simple-history would build a new class on every access, once per saved row's history record.
    assert type(Voucher.history) is type(Voucher.history)
    assert type(get_user_model().history) is type(get_user_model().history)
