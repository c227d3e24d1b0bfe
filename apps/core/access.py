"""Row scoping: which companies, warehouses and partners a user may see.

Actions are model permissions granted through role groups; rows are django-guardian object
permissions on scope objects. A global grant of the scope permission (e.g. an administrator's
`masterdata.access_warehouse`) means every row of that kind. Each model's `visible_to(user)`
selector builds on `scoped()`.
"""

import functools

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from guardian.shortcuts import get_objects_for_user
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

# A user holding more object permissions than this, over every registered scope, is scoped by subqueries:
# thousands of keys in every scoped statement would cost more to send and plan than the subquery they replace.
GRANTS_READ_AT_MOST = 1000

_scopes: list[tuple[str, type]] = []
_grants_version = 0  # moves on at every grant, revocation or group membership change in this process


def scoped(queryset: QuerySet, *, user, perm: str, scope_model, through: str = "pk") -> QuerySet:
    """Rows of `queryset` whose `through` points at a `scope_model` row `user` holds `perm` on.

    One indexed predicate: nothing for inactive or anonymous users, everything for a global grant,
    else `through IN (the user's and the user's groups' object permissions)`.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser or user.has_perm(perm):
        return queryset
    return queryset.filter(**{f"{through}__in": granted(user, perm, scope_model)})


def register_scope(perm: str, scope_model) -> None:
    """Read the grants of `perm` on `scope_model` together with the other registered scopes' (AppConfig.ready)."""
    if not _scopes:
        _forget_grants_on_change()
    if (perm, scope_model) not in _scopes:
        _scopes.append((perm, scope_model))
        _grants_statement.cache_clear()


def granted(user, perm: str, scope_model) -> list | QuerySet:
    """The keys of the `scope_model` rows `user` holds `perm` on, user's and groups' object permissions.

    Read once per user object, like Django's permission cache (each request loads its user afresh): the
    registered scopes' grants in one statement, then used as lists of keys, which the database plans
    as plain index lookups. guardian's subquery takes milliseconds to build and is planned again in
    every statement; it stays for unregistered scopes and for users holding more than GRANTS_READ_AT_MOST
    grants. Any grant, revocation or group membership change in this process drops what was read, so a
    grant counts at once even for a user object read before it.
    """
    cache = user.__dict__.get("_scope_cache")
    if cache is None or cache["version"] != _grants_version:
        cache = user.__dict__["_scope_cache"] = {"version": _grants_version, "grants": {}}
    grants = cache["grants"]
    if (perm, scope_model) not in grants:
        if (perm, scope_model) in _scopes:
            grants.update(_read_grants(user))
        else:
            grants[perm, scope_model] = _grant_subquery(user, perm, scope_model)
    return grants[perm, scope_model]


def _grant_subquery(user, perm: str, scope_model) -> QuerySet:
    found = get_objects_for_user(user, perm, klass=scope_model, accept_global_perms=False, with_superuser=False)
    return found.values("pk")


def _read_grants(user) -> dict:
    """Every registered scope's keys: the user's and the user's groups' rows of its grant tables."""
    params = []
    for perm, scope_model in _scopes:
        held = [ContentType.objects.get_for_model(scope_model).pk, perm.split(".", 1)[1]]
        params += [user.pk, *held, user.pk, *held]
    with connection.cursor() as cursor:
        cursor.execute(_grants_statement(), [*params, GRANTS_READ_AT_MOST + 1])
        rows = cursor.fetchall()
    if len(rows) > GRANTS_READ_AT_MOST:
        return {scope: _grant_subquery(user, *scope) for scope in _scopes}
    keys: list[dict] = [{} for _scope in _scopes]
    for index, key in rows:
        keys[index][key] = None  # held through the user and through a group alike: listed once
    return {scope: list(held) for scope, held in zip(_scopes, keys, strict=True)}


@functools.cache
def _grants_statement() -> str:
    """The SQL of `_read_grants`, written once per process: Django would take milliseconds to compile the
    same union from querysets on every request."""
    quote = connection.ops.quote_name
    groups = get_user_model().groups.field
    memberships = (
        f"SELECT {quote(groups.m2m_reverse_name())} FROM {quote(groups.m2m_db_table())} "  # noqa: S608 (names, not input)
        f"WHERE {quote(groups.m2m_column_name())} = %s"
    )
    permissions = quote(Permission._meta.db_table)
    parts = []
    for index, (_perm, scope_model) in enumerate(_scopes):
        for model, holder, match in (
            (get_user_obj_perms_model(scope_model), "user", "= %s"),
            (get_group_obj_perms_model(scope_model), "group", f"IN ({memberships})"),
        ):
            column = {
                name: quote(model._meta.get_field(name).column) for name in (holder, "permission", "content_object")
            }
            parts.append(
                f"SELECT {index}, g.{column['content_object']} FROM {quote(model._meta.db_table)} g "  # noqa: S608
                f"JOIN {permissions} p ON p.id = g.{column['permission']} "
                f"WHERE g.{column[holder]} {match} AND p.content_type_id = %s AND p.codename = %s"
            )
    return " UNION ALL ".join(parts) + " LIMIT %s"


def grants_changed() -> None:
    """Drop every user object's read grants; the signals call it, and so must a bulk write of grants."""
    global _grants_version
    _grants_version += 1


def _grant_saved_or_deleted(sender, **kwargs) -> None:
    grants_changed()


def _membership_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        grants_changed()


def _forget_grants_on_change() -> None:
    from guardian.models.models import BaseObjectPermission

    for model in apps.get_models():
        if issubclass(model, BaseObjectPermission):
            post_save.connect(_grant_saved_or_deleted, sender=model, dispatch_uid=f"access.saved.{model.__name__}")
            post_delete.connect(_grant_saved_or_deleted, sender=model, dispatch_uid=f"access.deleted.{model.__name__}")
    m2m_changed.connect(_membership_changed, sender=get_user_model().groups.through, dispatch_uid="access.groups")


def forget_permissions(user) -> None:
    """Drop Django's and guardian's per-object permission caches after a grant changes."""
    for attribute in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_scope_cache"):
        user.__dict__.pop(attribute, None)
