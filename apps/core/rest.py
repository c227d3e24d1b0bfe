"""DRF pieces named in settings (permission, pagination, error handler).

Kept apart from `api.py`, whose viewset imports would make settings import themselves.
"""

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions, permissions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from .errors import DomainError


class ApiTokenAuthentication(TokenAuthentication):
    """Knox tokens, without knox's sweep of the user's other expired tokens on every request (a query each
    time). The presented token is still refused, and deleted, once expired; so is any other when presented."""

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True


class ApiTokenScheme(KnoxTokenScheme):
    target_class = ApiTokenAuthentication  # documented as knox's own "knoxApiToken" scheme


class ModelActionPermission(permissions.DjangoModelPermissions):
    """Model permissions for every method, reads included; custom actions name their own."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        action_perms = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action_perms is not None:
            return request.user.has_perms(action_perms)
        return super().has_permission(request, view)


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten(details, prefix: str = "") -> dict[str, list[dict]]:
    """DRF's nested error details as {"lines.0.quantity": [{"code", "message"}]}."""
    flat: dict[str, list[dict]] = {}
    if isinstance(details, dict):
        if set(details) == {"message", "code"}:
            return {prefix or "non_field_errors": [details]}
        for name, value in details.items():
            flat.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
    elif isinstance(details, list):
        if all(isinstance(item, dict) and set(item) == {"message", "code"} for item in details):
            return {prefix or "non_field_errors": list(details)} if details else {}
        for index, value in enumerate(details):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    return flat


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    """One error shape: {"error": {"code", "message", "fields": {name: [{code, message}]}}}."""
    if isinstance(exc, DomainError):
        fields = {exc.field: [{"code": exc.code, "message": exc.message}]} if exc.field else {}
        body = error_body(exc.code, exc.message, fields)
        if exc.details:
            body["error"]["details"] = exc.details
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", _("The request body is too large.")), status=413)
    if isinstance(exc, DjangoValidationError):
        messages = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        exc = exceptions.ValidationError(
            {("non_field_errors" if name == NON_FIELD_ERRORS else name): value for name, value in messages.items()}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("validation_error", _("The input is not valid."), _flatten(exc.get_full_details()))
    else:
        detail = exc.get_full_details() if isinstance(exc, exceptions.APIException) else {}
        code = detail.get("code", "error") if isinstance(detail, dict) else "error"
        message = detail.get("message", str(exc)) if isinstance(detail, dict) else str(exc)
        response.data = error_body(str(code), str(message))
    return response
