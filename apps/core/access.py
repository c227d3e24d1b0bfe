"""Row scoping: which companies, warehouses and partners a user may see.

Actions are model permissions granted through role groups; rows are django-guardian object
permissions on scope objects. A global grant of the scope permission (e.g. an administrator's
`masterdata.access_warehouse`) means every row of that kind. Each model's `visible_to(user)`
selector builds on `scoped()`.
"""

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user


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


def granted(user, perm: str, scope_model) -> QuerySet:
    """The keys of the `scope_model` rows `user` holds `perm` on, user's and groups' object permissions, as
    a subquery. Built once per user object, like Django's permission cache: guardian takes milliseconds
    to build it, and a request scopes several fields by the same permission. The database still reads
    the grants each time the subquery runs."""
    built = user.__dict__.setdefault("_scope_cache", {})
    if (perm, scope_model) not in built:
        built[perm, scope_model] = get_objects_for_user(
            user, perm, klass=scope_model, accept_global_perms=False, with_superuser=False
        ).values("pk")
    return built[perm, scope_model]


def forget_permissions(user) -> None:
    """Drop Django's and guardian's per-object permission caches after a grant changes."""
    for attribute in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_scope_cache"):
        user.__dict__.pop(attribute, None)
