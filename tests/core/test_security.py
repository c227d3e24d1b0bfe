"""The security log records who did what, when and from where."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.http import HttpResponse
from django.test import RequestFactory
from guardian.shortcuts import assign_perm, remove_perm
from simple_history.middleware import HistoryRequestMiddleware

from apps.core.models import SecurityEvent
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db


def during_request(*, user, address: str, act) -> None:
    """Run `act` inside a request made by `user` from `address`, as a view would."""
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    request.user = user

    def view(request):
        act()
        return HttpResponse()

    HistoryRequestMiddleware(view)(request)


@pytest.fixture
def staff(make_user):
    return make_user(username="staff", is_staff=True)


def test_a_sign_in_is_recorded_with_user_and_address(client, staff):
    client.post("/admin/login/", {"username": "staff", "password": "secret-pass-123"}, REMOTE_ADDR="10.1.2.3")

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGN_IN)
    assert (event.user, event.username, event.ip_address) == (staff, "staff", "10.1.2.3")


def test_a_failed_sign_in_is_recorded_with_the_name_tried(client, staff):
    client.post("/admin/login/", {"username": "staff", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGN_IN_FAILED)
    assert (event.user, event.username, event.ip_address) == (None, "staff", "10.9.9.9")
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_IN).exists()


def test_a_group_membership_change_is_recorded_with_the_actor(make_user, admin_user):
    clerk = make_user(username="clerk")
    buyers = Group.objects.get(name="buyer")

    during_request(user=admin_user, address="192.0.2.7", act=lambda: clerk.groups.add(buyers))

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.GROUP_CHANGE, user=admin_user)
    assert (event.user, event.ip_address) == (admin_user, "192.0.2.7")
    assert event.detail["target"] == f"user:{clerk.pk}:clerk"
    assert event.detail["changed"] == [str(buyers.pk)]


def test_a_changed_model_permission_is_recorded(make_user, admin_user):
    clerk = make_user(username="clerk")
    permission = Permission.objects.get(codename="view_item")

    during_request(user=admin_user, address="192.0.2.8", act=lambda: clerk.user_permissions.add(permission))

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PERMISSION_CHANGE, user=admin_user)
    assert (event.user, event.ip_address, event.detail["action"]) == (admin_user, "192.0.2.8", "add")


def test_an_object_permission_grant_and_revoke_are_recorded(make_user, admin_user, company):
    keeper = make_user(username="keeper")
    warehouse = WarehouseFactory(company=company)

    during_request(
        user=admin_user, address="192.0.2.9", act=lambda: assign_perm("masterdata.access_warehouse", keeper, warehouse)
    )
    during_request(
        user=admin_user, address="192.0.2.9", act=lambda: remove_perm("masterdata.access_warehouse", keeper, warehouse)
    )

    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OBJECT_PERMISSION_CHANGE, user=admin_user)
    assert [event.detail["action"] for event in events.order_by("id")] == ["granted", "revoked"]
    granted = events.get(detail__action="granted")
    assert granted.ip_address == "192.0.2.9"
    assert granted.detail["permission"] == "access_warehouse"
    assert granted.detail["holder"] == "keeper"
    assert granted.detail["object"] == f"warehouse:{warehouse.pk}"


def test_a_grant_on_an_object_without_direct_permission_tables_is_recorded(make_user, admin_user):
    """guardian's generic permission rows (object_pk) are logged as well as its direct ones."""
    clerk = make_user(username="clerk")
    group = Group.objects.get(name="buyer")

    during_request(user=admin_user, address="192.0.2.10", act=lambda: assign_perm("auth.change_group", clerk, group))

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.OBJECT_PERMISSION_CHANGE, user=admin_user)
    assert event.detail["object"] == f"group:{group.pk}"
    assert event.ip_address == "192.0.2.10"


def test_a_change_outside_a_request_is_recorded_as_the_system(make_user):
    clerk = make_user(username="clerk")
    clerk.groups.add(Group.objects.get(name="approver"))

    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.GROUP_CHANGE).latest("id")
    assert (event.user, event.username, event.ip_address) == (None, "system", None)


def test_the_address_comes_from_the_proxy_only_behind_one(client, staff, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client.post(
        "/admin/login/",
        {"username": "staff", "password": "secret-pass-123"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.1",
    )

    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGN_IN).ip_address == "203.0.113.5"
