"""The security log: sign-ins, failed sign-ins, permission and group changes, exports and tokens."""

import threading
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from simple_history.models import HistoricalRecords

from .models import SecurityEvent


def security_events_visible_to(user) -> QuerySet[SecurityEvent]:
    """The whole log for those allowed to read it (administrators), nothing for anyone else."""
    if user is None or not user.is_authenticated or not user.has_perm("core.view_securityevent"):
        return SecurityEvent.objects.none()
    return SecurityEvent.objects.select_related("user")


def client_address(request) -> str | None:
    if request is None:
        return None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


def _current_request():
    return getattr(HistoricalRecords.context, "request", None)


def record(kind: str, *, user=None, username: str = "", request=None, **detail) -> SecurityEvent:
    request = request or _current_request()
    request_user = getattr(request, "user", None)
    if user is None and request_user is not None and request_user.is_authenticated:
        user = request_user
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=username or (user.get_username() if user is not None else ""),
        ip_address=client_address(request),
        detail=detail,
    )


def _signed_in(sender, request, user, **kwargs):
    record(SecurityEvent.Kind.SIGN_IN, user=user, request=request)


def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(SecurityEvent.Kind.SIGN_OUT, user=user, request=request)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    record(SecurityEvent.Kind.SIGN_IN_FAILED, username=str(credentials.get("username", ""))[:150], request=request)


_acting = threading.local()


@contextmanager
def acting_as(user):
    """Name the user behind grants made outside a request (commands, tasks, services)."""
    previous = getattr(_acting, "user", None)
    _acting.user = user
    try:
        yield
    finally:
        _acting.user = previous


def _actor():
    if getattr(_acting, "user", None) is not None:
        return _acting.user
    request = _current_request()
    if request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        return request.user
    return None


def _membership_changed(sender, instance, action, pk_set, model, **kwargs):
    if kwargs.get("raw"):
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    is_group_membership = sender is get_user_model().groups.through
    kind = SecurityEvent.Kind.GROUP_CHANGE if is_group_membership else SecurityEvent.Kind.PERMISSION_CHANGE
    actor = _actor()
    record(
        kind,
        user=actor,
        username=actor.get_username() if actor else "system",
        target=f"{instance._meta.model_name}:{instance.pk}:{instance}",
        action=action.removeprefix("post_"),
        changed=sorted(str(pk) for pk in (pk_set or [])),
    )


def _permission_target(instance) -> str:
    """'model:pk' of the object a grant is on, for guardian's direct (FK) and generic permission rows."""
    if hasattr(instance, "object_pk"):
        return f"{instance.content_type.model}:{instance.object_pk}"
    target_model = instance._meta.get_field("content_object").related_model
    return f"{target_model._meta.model_name}:{instance.content_object_id}"


def _log_object_permission(instance, action: str) -> None:
    actor = _actor()
    holder = getattr(instance, "user", None) or getattr(instance, "group", None)
    record(
        SecurityEvent.Kind.OBJECT_PERMISSION_CHANGE,
        user=actor,
        username=actor.get_username() if actor else "system",
        action=action,
        permission=instance.permission.codename,
        holder=str(holder),
        object=_permission_target(instance),
    )


def _object_permission_saved(sender, instance, created, **kwargs):
    if kwargs.get("raw"):  # loaddata restores rows; it is not someone granting access
        return
    _log_object_permission(instance, "granted" if created else "changed")


def _object_permission_deleted(sender, instance, **kwargs):
    _log_object_permission(instance, "revoked")


def connect_signals() -> None:
    from guardian.models.models import BaseObjectPermission

    user_model = get_user_model()
    user_logged_in.connect(_signed_in, dispatch_uid="security.signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="security.signed_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="security.sign_in_failed")
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_membership_changed, sender=through, dispatch_uid=f"security.m2m.{through.__name__}")
    for model in apps.get_models():
        if issubclass(model, BaseObjectPermission):
            post_save.connect(_object_permission_saved, sender=model, dispatch_uid=f"security.op.{model.__name__}")
            post_delete.connect(_object_permission_deleted, sender=model, dispatch_uid=f"security.opd.{model.__name__}")
