"""Fiscal years and their monthly periods: open a year, close a period, reopen it with a reason."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.core.errors import DomainError
from apps.core.views import RecordDetailView

from .. import selectors, services
from ..forms import CompanyReportForm, FiscalYearForm
from ..models import Period
from .common import ReadOnlyRecordMixin


def period_list_url(company_id: int) -> str:
    return f"{reverse('finance:period-list')}?company={company_id}"


class PeriodListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """A company's fiscal years, newest first, each with its twelve periods and their actions."""

    permission_required = "finance.view_period"
    template_name = "finance/period_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = CompanyReportForm({**CompanyReportForm.defaults(user), **self.request.GET.dict()}, user=user)
        company = form.cleaned_data["company"] if form.is_valid() else None
        periods = selectors.periods_visible_to(user).order_by("start_date")
        years = (
            selectors.fiscal_years_visible_to(user)
            .filter(company=company)
            .order_by("-year")
            .prefetch_related(Prefetch("periods", queryset=periods))
        )
        context.update(
            form=form,
            company=company,
            fiscal_years=years,
            may_close=user.has_perm("finance.close_period"),
            may_reopen=user.has_perm("finance.reopen_period"),
            open_year_url=reverse("finance:fiscal-year-open") if user.has_perm("finance.add_fiscalyear") else "",
        )
        return context


class PeriodDetailView(ReadOnlyRecordMixin, RecordDetailView):
    """A period's dates and status, its close and reopen actions, and its history (who closed or reopened it, why)."""

    model = Period
    selector = staticmethod(selectors.periods_visible_to)
    url_prefix = "finance:period"
    template_name = "finance/period_detail.html"
    fields = ("company", "fiscal_year", "number", "start_date", "end_date", "status", "closed_at", "closed_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            list_url=period_list_url(self.object.company_id),
            may_close=user.has_perm("finance.close_period"),
            may_reopen=user.has_perm("finance.reopen_period"),
        )
        return context


class OpenFiscalYearView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "finance.add_fiscalyear"
    template_name = "core/form.html"
    form_class = FiscalYearForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=_("Open a fiscal year"), cancel_url=reverse("finance:period-list"))
        return context

    def form_valid(self, form):
        company, year = form.cleaned_data["company"], form.cleaned_data["year"]
        if selectors.fiscal_years_visible_to(self.request.user).filter(company=company, year=year).exists():
            messages.info(self.request, _("The fiscal year %(year)d is already open.") % {"year": year})
        else:
            services.open_fiscal_year(actor=self.request.user, company=company, year=year)
            messages.success(
                self.request, _("The fiscal year %(year)d is open, with twelve monthly periods.") % {"year": year}
            )
        return redirect(period_list_url(company.pk))


class PeriodActionView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: one action on a period of a company the user sees (else 404), then back to where it was asked."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        period = get_object_or_404(selectors.periods_visible_to(request.user), pk=pk)
        try:
            message = self.act(period)
        except DomainError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message)
        if request.POST.get("back") == "detail":
            return redirect("finance:period-detail", pk=period.pk)
        return redirect(period_list_url(period.company_id))

    def act(self, period: Period) -> str:
        raise NotImplementedError


class ClosePeriodView(PeriodActionView):
    permission_required = "finance.close_period"

    def act(self, period: Period) -> str:
        services.close_period(actor=self.request.user, period=period)
        return _("The period %(period)s is closed.") % {"period": period}


class ReopenPeriodView(PeriodActionView):
    permission_required = "finance.reopen_period"

    def act(self, period: Period) -> str:
        services.reopen_period(actor=self.request.user, period=period, reason=self.request.POST.get("reason", ""))
        return _("The period %(period)s is open again.") % {"period": period}
