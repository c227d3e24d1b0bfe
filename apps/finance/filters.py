"""FilterSets shared by the finance lists and API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DATE_INPUT, DocumentFilter, SearchFilterSet

from .models import Account, JournalEntry, JournalLine, ManualJournal, Period, PostingRule


class AccountFilter(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = Account
        fields = ["account_type", "is_group", "active", "company", "parent"]


class JournalEntryFilter(SearchFilterSet):
    search_fields = ("number", "description", "source_number")
    date_from = django_filters.DateFilter(
        field_name="entry_date", lookup_expr="gte", label=_("From"), widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(field_name="entry_date", lookup_expr="lte", label=_("To"), widget=DATE_INPUT)
    account = django_filters.NumberFilter(field_name="lines__account", distinct=True, label=_("Account"))

    class Meta:
        model = JournalEntry
        fields = ["kind", "period", "company"]


class JournalLineFilter(SearchFilterSet):
    search_fields = ("entry__number", "description", "entry__source_number")
    date_from = django_filters.DateFilter(
        field_name="entry_date", lookup_expr="gte", label=_("From"), widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(field_name="entry_date", lookup_expr="lte", label=_("To"), widget=DATE_INPUT)

    class Meta:
        model = JournalLine
        fields = ["account", "partner", "period"]


class ManualJournalFilter(DocumentFilter):
    search_fields = ("number", "description")

    class Meta:
        model = ManualJournal
        fields = ["status", "company"]


class PeriodFilter(django_filters.FilterSet):
    class Meta:
        model = Period
        fields = ["status", "fiscal_year", "company"]


class PostingRuleFilter(django_filters.FilterSet):
    class Meta:
        model = PostingRule
        fields = ["role", "item_category", "warehouse", "account", "company"]
