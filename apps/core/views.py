"""Browser pages every module reuses, and the platform's own pages (home, profile, security log).

A list page reads through the model's `visible_to(user)` selector, filters with a django-filter
FilterSet, sorts by column, paginates and exports; a detail page shows the record and its history;
create and edit pages hand the form's input to a service and show its refusals inline.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OrderBy
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView
from knox.models import AuthToken

from . import dashboard, exports
from .context_processors import navigation_modules
from .errors import DomainError
from .filters import SecurityEventFilter
from .forms import add_service_error, style_widgets
from .history import history_entries
from .models import SecurityEvent
from .roles import role_label
from .services import create_api_token, revoke_api_token


@dataclass(frozen=True)
class Column:
    """One column of a list page and of its export."""

    label: str
    value: str  # attribute path on the row ("category.name"); methods are called ("get_item_type_display")
    sort: str = ""  # ordering expression(s), comma-separated; empty when the column cannot be sorted
    link: bool = False  # the cell links to the row's detail page

    def of(self, obj: Any) -> Any:
        for part in self.value.split("."):
            obj = getattr(obj, part, None)
            if callable(obj):
                obj = obj()
            if obj is None:
                return None
        return obj


@dataclass
class Cell:
    column: Column
    value: Any
    depth: int = 0  # indentation of a tree row's first linked cell

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, int | Decimal) and not isinstance(self.value, bool)


@dataclass
class Row:
    obj: models.Model
    url: str
    cells: list[Cell]


@dataclass
class Detail:
    label: str
    value: Any


def ordering(sort: str) -> list[OrderBy]:
    """'-warehouse__code,path' -> warehouse code then path, both descending.

    Empty values come first ascending and last descending on every database (PostgreSQL's own
    default is the reverse of SQLite's).
    """
    names = sort.lstrip("-").split(",")
    if sort.startswith("-"):
        return [F(name).desc(nulls_last=True) for name in names]
    return [F(name).asc(nulls_first=True) for name in names]


def describe(obj: models.Model, name: str) -> Detail:
    """A field's label and display value: choices by their label, relations by their record."""
    model_field = obj._meta.get_field(name)
    value = getattr(obj, f"get_{name}_display")() if model_field.choices else getattr(obj, name)
    return Detail(label=str(model_field.verbose_name), value=value)


class ModelPermissionMixin(PermissionRequiredMixin):
    """The page needs the model permission `<app>.<action>_<model>`; anonymous users are sent to sign in."""

    action = "view"

    def get_permission_required(self) -> tuple[str, ...]:
        opts = self.model._meta
        return (f"{opts.app_label}.{self.action}_{opts.model_name}",)


class ScopedMixin:
    """Rows come from the model's `visible_to(user)` selector, so a row outside the user's scope is a 404.

    `url_prefix` names the record's pages: "masterdata:item" -> "masterdata:item-list", "-detail",
    "-create", "-edit".
    """

    model: type[models.Model]
    selector = None  # staticmethod(<records>_visible_to)
    url_prefix = ""

    def get_queryset(self):
        return self.selector(self.request.user)

    def page_url(self, page: str, obj: models.Model | None = None) -> str:
        return reverse(f"{self.url_prefix}-{page}", args=[obj.pk] if obj is not None else [])

    def may(self, action: str) -> bool:
        opts = self.model._meta
        return self.request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["opts"] = self.model._meta
        return context


EXPORT_FORMATS = ("csv", "xlsx")


class RecordListView(ModelPermissionMixin, ScopedMixin, ListView):
    template_name = "core/list.html"
    filterset_class = None
    columns: tuple[Column, ...] = ()
    filter_fields: tuple[str, ...] = ()  # the filters shown beside the search box
    default_sort = "code"
    paginate_by = 50
    tree = False  # rows carry a materialised `path`: indent them while sorted by it
    has_detail = True
    has_create = True
    title = ""

    def get(self, request, *args, **kwargs):
        self.filterset = self.filterset_class(request.GET, queryset=super().get_queryset(), request=request)
        self.limit_filters(self.filterset.form)
        for filter_field in self.filterset.form.fields.values():
            if isinstance(filter_field.widget, forms.NullBooleanSelect):
                filter_field.widget.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]
        style_widgets(self.filterset.form, small=True)
        file_format = request.GET.get("export")
        if file_format in EXPORT_FORMATS:
            return self.export(self.get_queryset(), file_format)
        return super().get(request, *args, **kwargs)

    def limit_filters(self, form) -> None:
        """Narrow the filter choices to what the user may see (a hook for subclasses)."""

    def sort_key(self) -> str:
        wanted = self.request.GET.get("sort", "")
        allowed = {column.sort for column in self.columns if column.sort} | {self.default_sort.lstrip("-")}
        return wanted if wanted.lstrip("-") in allowed else self.default_sort

    def get_queryset(self):
        return self.filterset.qs.order_by(*ordering(self.sort_key()), "pk")

    def export_name(self) -> str:
        return str(self.model._meta.verbose_name_plural).replace(" ", "-").lower()

    def export(self, queryset, file_format: str):
        rows = ([column.of(obj) for column in self.columns] for obj in queryset.iterator(chunk_size=2000))
        return exports.export_response(
            request=self.request,
            name=self.export_name(),
            headers=[column.label for column in self.columns],
            rows=rows,
            file_format=file_format,
        )

    @staticmethod
    def header(column: Column, sort: str) -> dict:
        """The column's label, its sort state ("asc", "desc" or "") and the sort its header link asks for."""
        state = ""
        if column.sort and sort.lstrip("-") == column.sort:
            state = "desc" if sort.startswith("-") else "asc"
        return {
            "label": column.label,
            "sort": column.sort,
            "state": state,
            "next": f"-{column.sort}" if state == "asc" else column.sort,
        }

    def rows(self, objects) -> list[Row]:
        indent = self.tree and self.sort_key() == self.default_sort
        first_link = next((column for column in self.columns if column.link), None)
        rows = []
        for obj in objects:
            depth = max(obj.path.count("/") - 2, 0) if indent else 0
            cells = [Cell(column, column.of(obj), depth if column is first_link else 0) for column in self.columns]
            rows.append(Row(obj=obj, url=self.page_url("detail", obj) if self.has_detail else "", cells=cells))
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sort = self.sort_key()
        context.update(
            title=self.title or self.model._meta.verbose_name_plural,
            filterset=self.filterset,
            search=self.filterset.form["q"] if "q" in self.filterset.form.fields else None,
            filters=[self.filterset.form[name] for name in self.filter_fields],
            headers=[self.header(column, sort) for column in self.columns],
            rows=self.rows(context["object_list"]),
            create_url=self.page_url("create") if self.has_create and self.may("add") else "",
            export_formats=EXPORT_FORMATS,
            filtered=any(value for key, value in self.request.GET.items() if key not in {"page", "sort"}),
        )
        return context


class RecordDetailView(ModelPermissionMixin, ScopedMixin, DetailView):
    """The record's fields on a "Details" tab and its field-level changes on a "History" tab."""

    template_name = "core/detail.html"
    fields: tuple[str, ...] = ()
    toggles_active = False  # the record has deactivate / reactivate actions at "<url_prefix>-active"

    def tab(self) -> str:
        return "history" if self.request.GET.get("tab") == "history" else "details"

    def details(self) -> list[Detail]:
        return [describe(self.object, name) for name in self.fields]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tab = self.tab()
        context.update(
            tab=tab,
            details=self.details() if tab == "details" else [],
            history=history_entries(self.object) if tab == "history" else [],
            list_url=self.page_url("list"),
            edit_url=self.page_url("edit", self.object) if self.may("change") else "",
            active_url=self.page_url("active", self.object) if self.toggles_active and self.may("change") else "",
        )
        return context


class ServiceFormMixin:
    """Saving is a service call, `save(form)`; a refusal becomes an inline error on the field it names."""

    template_name = "core/form.html"
    success_message = gettext_lazy("%(record)s was saved.")

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def save(self, form) -> models.Model:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except (ValidationError, DomainError) as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"record": self.object})
        self.after_save(form)
        return HttpResponseRedirect(self.get_success_url())

    def after_save(self, form) -> None:
        """Follow-up once the record is saved (e.g. a duplicate warning); a hook for subclasses."""

    def get_success_url(self) -> str:
        return self.page_url("detail", self.object)


class RecordCreateView(ModelPermissionMixin, ScopedMixin, ServiceFormMixin, CreateView):
    action = "add"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("New %(record)s") % {"record": self.model._meta.verbose_name},
            cancel_url=self.page_url("list"),
        )
        return context


class RecordEditView(ModelPermissionMixin, ScopedMixin, ServiceFormMixin, UpdateView):
    action = "change"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Edit %(record)s") % {"record": self.object},
            cancel_url=self.page_url("detail", self.object),
        )
        return context


# --- The platform's own pages -------------------------------------------------------------------


@dataclass
class RecentChange:
    at: Any
    kind: str
    record_type: str
    record: str
    reason: str
    url: str


def recent_changes(user, *, limit: int = 10) -> list[RecentChange]:
    """What `user` changed lately, across the records each app lists in RECORD_PAGES (one query per kind)."""
    changes = []
    for module in navigation_modules():
        for model, url_name in getattr(module, "RECORD_PAGES", {}).items():
            opts = model._meta
            if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
                continue
            for entry in model.history.filter(history_user=user).order_by("-history_date")[:limit]:
                label = " ".join(str(getattr(entry, name, "") or "") for name in ("code", "name")).strip()
                changes.append(
                    RecentChange(
                        at=entry.history_date,
                        kind=entry.get_history_type_display(),
                        record_type=str(opts.verbose_name),
                        record=label or f"#{entry.id}",
                        reason=entry.history_change_reason or "",
                        url=reverse(url_name, args=[entry.id]),
                    )
                )
    return sorted(changes, key=lambda change: change.at, reverse=True)[:limit]


class HomeView(LoginRequiredMixin, TemplateView):
    """The management dashboard for one company (?company=, else the first the user sees), then the
    overview of each module's records and the user's recent changes."""

    template_name = "core/home.html"

    def chosen_company(self, companies: list):
        wanted = self.request.GET.get("company", "")
        return next(
            (company for company in companies if str(company.pk) == wanted), companies[0] if companies else None
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        companies = list(dashboard.dashboard_companies(user))
        company = self.chosen_company(companies)
        context.update(
            companies=companies,
            company=company,
            cards=dashboard.dashboard(user, company=company, today=timezone.localdate()) if company else [],
            tiles=[
                {"label": label, "url": reverse(url_name), "count": selector(user).count()}
                for module in navigation_modules()
                for label, url_name, perm, selector in getattr(module, "OVERVIEW", [])
                if user.has_perm(perm)
            ],
            recent_changes=recent_changes(user),
        )
        return context


class ProfileView(LoginRequiredMixin, TemplateView):
    """The user's details, language and API tokens; a new token's secret is shown once, on this response."""

    template_name = "core/profile.html"

    def post(self, request, *args, **kwargs):
        if "revoke" in request.POST:
            try:
                revoke_api_token(user=request.user, token_key=request.POST["revoke"], request=request)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The API token was revoked."))
            return redirect("profile")
        if "create" in request.POST:
            token, secret = create_api_token(user=request.user, request=request)
            return self.render_to_response(self.get_context_data(new_token=token, new_secret=secret))
        return redirect("profile")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = AuthToken.objects.filter(user=self.request.user).order_by("-created")
        context["roles"] = [role_label(name) for name in self.request.user.groups.values_list("name", flat=True)]
        return context


def security_log(user):
    """The whole log: the page itself is for holders of core.view_securityevent."""
    return SecurityEvent.objects.all()


class SecurityLogView(RecordListView):
    model = SecurityEvent
    selector = staticmethod(security_log)
    filterset_class = SecurityEventFilter
    filter_fields = ("kind", "since", "until")
    default_sort = "-at"
    has_detail = False
    has_create = False
    title = gettext_lazy("Security log")
    columns = (
        Column(gettext_lazy("Time"), "at", sort="at"),
        Column(gettext_lazy("Event"), "get_kind_display", sort="kind"),
        Column(gettext_lazy("User"), "username", sort="username"),
        Column(gettext_lazy("Address"), "ip_address"),
        Column(gettext_lazy("Detail"), "detail"),
    )

    def export_name(self) -> str:
        return "security-log"
