import importlib
from types import ModuleType

from django.apps import apps as django_apps
from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def navigation_modules() -> list[ModuleType]:
    """Each project app's `navigation.py`: MENUS for the top bar, OVERVIEW and RECORD_PAGES for the home page."""
    modules = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.navigation"))
        except ModuleNotFoundError:
            continue
    return modules


def visible_menus(user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The module menus `user` may open: (label, [(label, url)])."""
    if user is None or not user.is_authenticated:
        return []
    visible = []
    for module in navigation_modules():
        for label, entries in getattr(module, "MENUS", []):
            links = [(entry_label, reverse(url_name)) for entry_label, url_name, perm in entries if user.has_perm(perm)]
            if links:
                visible.append((label, links))
    return visible


def navigation(request) -> dict:
    # Lazy, so a page that never shows the menus (the 503 page while the database is away) never asks for them.
    return {"navigation": SimpleLazyObject(lambda: visible_menus(getattr(request, "user", None)))}
