import fnmatch

import pytest
from django.contrib.auth.models import Group, Permission

from apps.core.roles import ROLES, collected_grants, role_label, sync_role_permissions

pytestmark = pytest.mark.django_db


def permission_names(group: Group) -> set[str]:
    return {
        f"{app}.{codename}" for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def expected_permissions(patterns: list[str]) -> set[str]:
    every = {
        f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    return {name for name in every if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)}


def test_the_seven_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    assert len(ROLES) == 7


def test_each_role_carries_exactly_its_grants():
    for role, patterns in collected_grants().items():
        assert permission_names(Group.objects.get(name=role)) == expected_permissions(patterns), role


def test_the_platform_grants_reach_their_roles():
    administrator = permission_names(Group.objects.get(name="administrator"))
    accountant = permission_names(Group.objects.get(name="accountant"))

    assert {"core.view_securityevent", "core.change_outboxevent", "masterdata.change_item"} <= administrator
    assert {"core.view_outboxevent", "core.change_outboxevent"} <= accountant
    assert "core.view_securityevent" not in accountant


def test_syncing_restores_a_removed_permission_and_drops_a_foreign_one():
    accountant = Group.objects.get(name="accountant")
    accountant.permissions.remove(Permission.objects.get(codename="view_outboxevent"))
    accountant.permissions.add(Permission.objects.get(codename="delete_user"))

    sync_role_permissions()

    names = permission_names(accountant)
    assert "core.view_outboxevent" in names
    assert "core.delete_user" not in names


def test_roles_have_translatable_labels():
    assert role_label("warehouse_keeper") == "Warehouse keeper"
    assert role_label("custom") == "custom"
