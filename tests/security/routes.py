"""Every URL of the project that names one record, found from the URL resolver, with the model it shows.

New pages and API endpoints are picked up as they are added: a route whose model cannot be found from its
view must be named in VIEW_MODELS, or in NOT_OBJECT_SCOPED with the reason it is not scoped to a company.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

GET_AND_POST = ("get", "post")
WRITES = ("put", "patch", "delete")

# Routes that are not the project's own record pages (the admin is for superusers; test-only routes).
FOREIGN_PREFIXES = ("admin/", "i18n/", "api/schema", "api/docs", "api/v1/testapp/", "testapp/")

# Views that fetch their record themselves, without a `model` attribute: the model they fetch.
VIEW_MODELS = {
    "RetryEventView": "core.OutboxEvent",
    "ImportCommitView": "masterdata.ImportBatch",
    "LocationStockView": "masterdata.Location",
    "ClosePeriodView": "finance.Period",
    "ReopenPeriodView": "finance.Period",
    "RequestDetailView": "approvals.ApprovalRequest",
    # Create views of a child document, addressed by the work order's id.
    "IssueCreateView": "production.WorkOrder",
    "OutputCreateView": "production.WorkOrder",
}

# Action views without an `actions` table: the slugs they answer.
VIEW_SLUGS = {"BomActionView": ("activate", "deactivate")}

# Models shared by every company, or routes addressed by something other than a row id: why they are not
# expected to answer 404 to a user of another company.
NOT_OBJECT_SCOPED = {
    "masterdata.Currency": "reference data shared by every company",
    "masterdata.UnitOfMeasure": "reference data shared by every company",
    "masterdata.UnitConversion": "the global conversions (no item) are shared by every company",
    "masterdata.TaxRate": "reference data shared by every company",
    "masterdata.PaymentTerms": "reference data shared by every company",
    "masterdata.ExchangeRate": "reference data shared by every company",
    "core.SecurityEvent": "the installation's security log, read whole by whoever holds core.view_securityevent",
    "approvals/link/": "addressed by a signed one-time token, not a row id (tests/approvals covers a bad token)",
}


@dataclass(frozen=True)
class Route:
    path: str  # e.g. "purchasing/orders/<int:pk>/"
    pattern: URLPattern
    model_label: str | None
    allowed: tuple[str, ...]  # every method the view answers, of GET_AND_POST and WRITES
    is_api: bool
    slug: str = "cancel"  # the action an `actions/<slug:slug>/` route is tried with

    def url(self, pk: int) -> str:
        path = self.path
        for name in self.kwargs:
            value = self.slug if name == "slug" else str(pk)
            path = path.replace(f"<int:{name}>", value).replace(f"<slug:{name}>", value)
            path = path.replace(f"(?P<{name}>[^/.]+)", value)
        return "/" + path.replace("^", "").replace("$", "")

    @property
    def methods(self) -> tuple[str, ...]:
        """What the view answers of GET and POST: ("get",), ("post",), ("get", "post")."""
        return tuple(method for method in self.allowed if method in GET_AND_POST) or ("get",)

    @property
    def kwargs(self) -> list[str]:
        return list(self.pattern.pattern.regex.groupindex)

    @property
    def model(self):
        return apps.get_model(self.model_label) if self.model_label else None


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _model_label(pattern: URLPattern) -> str | None:
    callback = pattern.callback
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:
        return None
    if view.__name__ in VIEW_MODELS:
        return VIEW_MODELS[view.__name__]
    model = (
        getattr(callback, "view_initkwargs", {}).get("model")
        or getattr(view, "model", None)
        or getattr(getattr(view, "queryset", None), "model", None)
        or getattr(getattr(getattr(view, "serializer_class", None), "Meta", None), "model", None)
    )
    if model is None and hasattr(view, "get_serializer_class"):
        model = _serialized_model(view)
    return model._meta.label if model is not None else None


def _slugs(pattern: URLPattern) -> tuple[str, ...]:
    """Every action an `actions/<slug:slug>/` page takes: an unknown slug is a 404 before any row is read."""
    view = getattr(pattern.callback, "view_class", None)
    if "slug" not in pattern.pattern.regex.groupindex or view is None:
        return ("cancel",)
    return VIEW_SLUGS.get(view.__name__) or tuple(action.slug for action in view.actions)


def _serialized_model(viewset):
    """The model a viewset's detail serializer shows, for viewsets that choose their serializer per action."""
    instance = viewset(action="retrieve", request=None, kwargs={}, format_kwarg=None)
    try:
        serializer_class = instance.get_serializer_class()
    except (AssertionError, AttributeError):
        return None
    return getattr(getattr(serializer_class, "Meta", None), "model", None)


def _allowed(pattern: URLPattern) -> tuple[str, ...]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a DRF viewset route: the router's methods the viewset still answers
        names = callback.cls.http_method_names
        return tuple(method for method in (*GET_AND_POST, *WRITES) if method in actions and method in names)
    view = getattr(callback, "view_class", None)
    if view is None:
        return ("get",)
    return tuple(m for m in (*GET_AND_POST, *WRITES) if m in view.http_method_names and hasattr(view, m))


def all_routes() -> list[Route]:
    """Every route of the project's own pages and API (format-suffix duplicates of API routes left out), an
    action page once per action."""
    routes = []
    for path, pattern in _walk(get_resolver().url_patterns):
        clean = path.replace("^", "")
        if clean.startswith(FOREIGN_PREFIXES) or "format" in pattern.pattern.regex.groupindex:
            continue
        routes.extend(
            Route(
                path=path,
                pattern=pattern,
                model_label=_model_label(pattern),
                allowed=_allowed(pattern),
                is_api=clean.startswith("api/"),
                slug=slug,
            )
            for slug in _slugs(pattern)
        )
    return routes


def record_routes() -> list[Route]:
    """Every route with a row id (or another key) in its path."""
    return [route for route in all_routes() if route.kwargs]


def not_scoped_reason(route: Route) -> str | None:
    if route.model_label in NOT_OBJECT_SCOPED:
        return NOT_OBJECT_SCOPED[route.model_label]
    return next((why for prefix, why in NOT_OBJECT_SCOPED.items() if route.path.startswith(prefix)), None)
