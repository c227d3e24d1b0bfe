"""Pieces the finance pages share."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from apps.core.views import Column, Detail


class StatusColumn(Column):
    """A document's status by its label (the base document's status field carries no choices)."""

    def of(self, obj):
        return obj.Status(obj.status).label


def status_detail(document) -> Detail:
    return Detail(label=str(_("status")), value=document.Status(document.status).label)


class ReadOnlyRecordMixin:
    """A record changed only through its actions (close, reopen, post): no edit page."""

    def may(self, action: str) -> bool:
        return action == "view" and super().may(action)


def url_if_routed(name: str, *, args=(), query: str = "") -> str:
    """The page's URL, or '' while the app that owns it has not routed it."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url
