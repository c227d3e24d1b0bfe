"""Roles are groups that match jobs. Each app's `roles.py` lists what its roles may do (GRANTS);
after every migrate the groups' model permissions are brought in line with those lists."""

import fnmatch
import importlib
import logging

from django.apps import apps as django_apps
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

ROLES = {
    "sales_clerk": _("Sales clerk"),
    "buyer": _("Buyer"),
    "warehouse_keeper": _("Warehouse keeper"),
    "production_planner": _("Production planner"),
    "accountant": _("Accountant"),
    "approver": _("Approver"),
    "administrator": _("Administrator"),
}

# The platform's own grants; apps add theirs in their roles.py.
GRANTS = {
    "administrator": ["core.*", "auth.view_group", "auth.change_group"],
    "accountant": ["core.view_outboxevent", "core.change_outboxevent"],
}


def role_label(group_name: str) -> str:
    return str(ROLES.get(group_name, group_name))


def collected_grants() -> dict[str, list[str]]:
    grants: dict[str, list[str]] = {role: [] for role in ROLES}
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.roles")
        except ModuleNotFoundError:
            continue
        for role, patterns in getattr(module, "GRANTS", {}).items():
            grants[role].extend(patterns)
    return grants


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Give every role group exactly the permissions its GRANTS patterns match (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    project_apps = [config.name for config in django_apps.get_app_configs() if config.name.startswith("apps.")]
    if sender is not None and sender.name != project_apps[-1]:
        return  # once per migrate, after the last app's permissions exist
    all_permissions = list(Permission.objects.select_related("content_type"))
    for role, patterns in collected_grants().items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = [
            perm
            for perm in all_permissions
            if any(
                fnmatch.fnmatchcase(f"{perm.content_type.app_label}.{perm.codename}", pattern) for pattern in patterns
            )
        ]
        group.permissions.set(wanted)
