import importlib

from django.apps import apps as django_apps
from django.urls import reverse


def _menus() -> list:
    menus = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.navigation")
        except ModuleNotFoundError:
            continue
        menus.extend(module.MENUS)
    return menus


def navigation(request) -> dict:
    """The module menus the signed-in user may open: (label, [(label, url)])."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    visible = []
    for label, entries in _menus():
        links = [(entry_label, reverse(url_name)) for entry_label, url_name, perm in entries if user.has_perm(perm)]
        if links:
            visible.append((label, links))
    return {"navigation": visible}
