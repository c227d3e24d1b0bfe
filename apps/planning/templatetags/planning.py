"""Links from planning pages to the documents of other modules, through each app's RECORD_PAGES."""

import functools

from django import template
from django.db import models
from django.urls import reverse

from apps.core.context_processors import navigation_modules

register = template.Library()


@functools.cache
def record_pages() -> dict[type[models.Model], str]:
    pages: dict[type[models.Model], str] = {}
    for module in navigation_modules():
        pages.update(getattr(module, "RECORD_PAGES", {}))
    return pages


@register.simple_tag
def record_url(record: models.Model | None) -> str:
    """The record's detail page, or "" when its module has none."""
    if record is None:
        return ""
    name = record_pages().get(type(record))
    return reverse(name, args=[record.pk]) if name else ""
