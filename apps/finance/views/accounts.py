"""The chart of accounts (a tree), loading a chart template, and the posting rules."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.core.errors import DomainError
from apps.core.views import Column, RecordCreateView, RecordDetailView, RecordEditView, RecordListView
from apps.masterdata.selectors import categories_visible_to, companies_visible_to, warehouses_visible_to

from .. import selectors, services
from ..filters import AccountFilter, PostingRuleFilter
from ..forms import AccountForm, LoadChartForm, PostingRuleForm
from ..models import Account, PostingRule

# Loading a chart sets up a company's books wholesale: the company's administrator does it.
LOAD_CHART_PERMISSIONS = ("finance.add_account", "finance.add_postingrule", "masterdata.change_company")


def general_ledger_url(account: Account, *, start: date | None = None, end: date | None = None) -> str:
    """The account's general ledger, by default from the start of this year to today."""
    today = timezone.localdate()
    query = {
        "company": account.company_id,
        "account": account.pk,
        "start": (start or today.replace(month=1, day=1)).isoformat(),
        "end": (end or today).isoformat(),
    }
    return f"{reverse('finance:general-ledger')}?{urlencode(query)}"


class AccountPages:
    model = Account
    selector = staticmethod(selectors.accounts_visible_to)
    url_prefix = "finance:account"


class AccountListView(AccountPages, RecordListView):
    template_name = "finance/account_list.html"
    filterset_class = AccountFilter
    filter_fields = ("company", "account_type", "is_group", "active")
    default_sort = "company__code,path"
    tree = True
    title = gettext_lazy("Chart of accounts")
    columns = (
        Column(gettext_lazy("Code"), "code", sort="code", link=True),
        Column(gettext_lazy("Name"), "name", sort="name", link=True),
        Column(gettext_lazy("Type"), "get_account_type_display", sort="account_type"),
        Column(gettext_lazy("Group account"), "is_group", sort="is_group"),
        Column(gettext_lazy("Active"), "active", sort="active"),
        Column(gettext_lazy("Company"), "company.code", sort="company__code,path"),
    )

    def limit_filters(self, form) -> None:
        user = self.request.user
        form.fields["company"].queryset = companies_visible_to(user)
        form.fields["parent"].queryset = selectors.accounts_visible_to(user).filter(is_group=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.has_perms(LOAD_CHART_PERMISSIONS) and selectors.companies_without_chart(user).exists():
            context["load_chart_url"] = reverse("finance:load-chart")
        return context


class AccountDetailView(AccountPages, RecordDetailView):
    template_name = "finance/account_detail.html"
    fields = ("company", "code", "name", "account_type", "parent", "is_group", "active")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account, today = self.object, timezone.localdate()
        if context["tab"] == "details":
            context.update(
                balance=selectors.account_tree_balance(account=account, as_of=today),
                balance_date=today,
                children=self.get_queryset().filter(parent=account).order_by("path"),
                ledger_url="" if account.is_group else general_ledger_url(account),
            )
        return context


class AccountFormMixin:
    form_class = AccountForm

    def save(self, form) -> Account:
        return services.save_account(actor=self.request.user, account=form.instance)


class AccountCreateView(AccountPages, AccountFormMixin, RecordCreateView):
    pass


class AccountEditView(AccountPages, AccountFormMixin, RecordEditView):
    pass


class LoadChartView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Give a company without a chart the accounts and default posting rules of a template."""

    permission_required = LOAD_CHART_PERMISSIONS
    template_name = "finance/load_chart.html"
    form_class = LoadChartForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        company = form.cleaned_data["company"]
        try:
            accounts = services.load_chart(
                actor=self.request.user, company=company, template=form.cleaned_data["template"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(count)d accounts and their posting rules were loaded for %(company)s.")
            % {"count": len(accounts), "company": company},
        )
        return redirect(f"{reverse('finance:account-list')}?company={company.pk}")


# --- Posting rules -------------------------------------------------------------------------------


class PostingRulePages:
    model = PostingRule
    selector = staticmethod(selectors.posting_rules_visible_to)
    url_prefix = "finance:posting-rule"


class PostingRuleListView(PostingRulePages, RecordListView):
    """Every rule, grouped by role in the order of the roles; a company has a few dozen at most."""

    template_name = "finance/posting_rule_list.html"
    filterset_class = PostingRuleFilter
    filter_fields = ("company", "role", "account")
    default_sort = "company__code,item_category__name,warehouse__code"
    paginate_by = None
    title = gettext_lazy("Posting rules")
    columns = (
        Column(gettext_lazy("Role"), "get_role_display", sort="role"),
        Column(gettext_lazy("Company"), "company.code", sort="company__code"),
        Column(gettext_lazy("Item category"), "item_category.name", sort="item_category__name"),
        Column(gettext_lazy("Warehouse"), "warehouse.code", sort="warehouse__code"),
        Column(gettext_lazy("Account"), "account", sort="account__code", link=True),
    )

    def get_queryset(self):
        return super().get_queryset().select_related("company")

    def limit_filters(self, form) -> None:
        user = self.request.user
        form.fields["company"].queryset = companies_visible_to(user)
        accounts = selectors.accounts_visible_to(user).filter(is_group=False).order_by("company__code", "path")
        form.fields["account"].queryset = accounts
        form.fields["item_category"].queryset = categories_visible_to(user)
        form.fields["warehouse"].queryset = warehouses_visible_to(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_role: dict[str, list] = {}
        for row in context["rows"]:
            by_role.setdefault(row.obj.role, []).append(row)
        context["groups"] = [(label, by_role[role]) for role, label in PostingRule.Role.choices if role in by_role]
        context["rule_count"] = len(context["rows"])
        return context


class PostingRuleDetailView(PostingRulePages, RecordDetailView):
    fields = ("company", "role", "item_category", "warehouse", "account")


class PostingRuleFormMixin:
    form_class = PostingRuleForm

    def save(self, form) -> PostingRule:
        return services.save_posting_rule(actor=self.request.user, rule=form.instance)


class PostingRuleCreateView(PostingRulePages, PostingRuleFormMixin, RecordCreateView):
    pass


class PostingRuleEditView(PostingRulePages, PostingRuleFormMixin, RecordEditView):
    pass
