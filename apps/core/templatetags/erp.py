"""Display helpers for the shared templates."""

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

EMPTY = mark_safe('<span class="text-body-tertiary">—</span>')


@register.filter
def number(value: Decimal | int | None) -> str:
    """A decimal without trailing zeros, with thousands separators: 1234.500000 -> 1,234.5."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


@register.filter
def cell(value):
    """A value as a table cell or detail field shows it."""
    if value is None or value == "" or value == {}:
        return EMPTY
    if isinstance(value, bool):
        if value:
            return format_html('<span class="badge text-bg-success-subtle text-success-emphasis">{}</span>', _("Yes"))
        return format_html('<span class="badge text-bg-light text-body-secondary">{}</span>', _("No"))
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dict):
        return "; ".join(f"{key}: {item}" for key, item in value.items())
    return value


@register.filter
def opens(links: list[tuple[str, str]], path: str) -> bool:
    """Whether the current page belongs to this menu (for highlighting it)."""
    return any(path.startswith(url) for _label, url in links)


@register.filter
def depth(path: str) -> int:
    """How deep a materialised tree path ("/1/4/9/") lies below the root (0 for a root)."""
    return max(path.count("/") - 2, 0)
