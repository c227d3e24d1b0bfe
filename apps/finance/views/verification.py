"""The books verification page: the latest run of every invariant check per company, with figures."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from apps.core.access import scoped
from apps.masterdata.models import Company

from ..verification import companies_with_books, latest_verifications, record_verification, verify_company


class BooksVerificationView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """GET shows the newest result per company; POST checks the visible companies now."""

    permission_required = "finance.view_booksverification"
    template_name = "finance/verification.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(runs=latest_verifications(self.request.user), **kwargs)

    def post(self, request, *args, **kwargs):
        companies = scoped(
            companies_with_books(), user=request.user, perm="masterdata.access_company", scope_model=Company
        )
        runs = [record_verification(verify_company(company)) for company in companies]
        failing = sum(not run.passed for run in runs)
        if failing:
            messages.error(
                request,
                _("Checked %(count)s companies: %(failing)s with differences.")
                % {"count": len(runs), "failing": failing},
            )
        else:
            messages.success(request, _("Checked %(count)s companies: no difference.") % {"count": len(runs)})
        return redirect("finance:books-verification")
