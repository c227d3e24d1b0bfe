"""The management dashboard on the home page: a registry of cards that the business apps contribute.

The kernel knows no business. Each project app may have a `dashboard.py` listing its `CARDS`; the
home page keeps the cards whose permission the user holds and asks each for its panel, for one
company at a time. A card reads through its app's `visible_to(user)` selectors, so every figure is
scoped to what the user may see, and each figure links to the report behind it.

A card's panel costs a fixed number of queries (aggregates, never a row per document), so the
page's cost does not grow with the data. The kernel's own card, pending postings, is at the end.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from types import ModuleType
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .access import scoped
from .ageing import AGEING_BUCKETS
from .models import OutboxEvent
from .money import ZERO, round_amount
from .outbox import outbox_events_visible_to
from .templatetags.erp import number

AMOUNT = DecimalField(max_digits=18, decimal_places=2)

AGEING_LABELS = {
    "current": _("Not yet due"),
    "1_30": _("1–30 days"),
    "31_60": _("31–60 days"),
    "61_90": _("61–90 days"),
    "over_90": _("Over 90 days"),
}


@dataclass(frozen=True)
class Scope:
    """What a card is asked about: the user, the company the page shows, and today."""

    user: Any
    company: Any  # masterdata.Company; the kernel does not import business apps
    today: date

    def url(self, name: str, **query) -> str:
        """A report's address for this company, with the given filters."""
        return f"{reverse(name)}?{urlencode({'company': self.company.pk, **query})}"


@dataclass(frozen=True)
class Figure:
    """One number on a card, a link to the report that explains it."""

    key: str
    label: str
    value: Decimal | int
    url: str
    money: bool = False
    attention: bool = False  # shown highlighted: something waits for someone

    @property
    def text(self) -> str:
        return f"{self.value:,.2f}" if self.money else number(self.value)


@dataclass(frozen=True)
class Chart:
    """A chart of one series; each bar or slice may link to its own report."""

    kind: str  # a Chart.js type: "bar", "doughnut", "line"
    label: str
    labels: list[str]
    values: list[Decimal | int]
    urls: list[str] = field(default_factory=list)
    money: bool = False

    def as_json(self) -> dict:
        # Decimals travel as strings, as in the API; the browser only draws them.
        return {
            "kind": self.kind,
            "label": str(self.label),
            "labels": [str(label) for label in self.labels],
            "values": [str(value) for value in self.values],
            "urls": self.urls,
            "money": self.money,
        }


@dataclass(frozen=True)
class Panel:
    """What a card shows: its figures, an optional chart and a note on what the figures mean."""

    url: str
    figures: list[Figure]
    chart: Chart | None = None
    note: str = ""


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    permission: str
    build: Callable[[Scope], Panel]
    order: int = 100


@dataclass(frozen=True)
class ShownCard:
    card: Card
    panel: Panel

    @property
    def chart_json(self) -> dict | None:
        return self.panel.chart.as_json() if self.panel.chart else None


@cache
def dashboard_modules() -> tuple[ModuleType, ...]:
    """Each project app's `dashboard.py` (this module included, for the kernel's own card)."""
    modules = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.dashboard"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.dashboard":
                raise
    return tuple(modules)


def registered_cards() -> list[Card]:
    cards = [card for module in dashboard_modules() for card in getattr(module, "CARDS", [])]
    return sorted(cards, key=lambda card: (card.order, card.key))


def cards_for(user) -> list[Card]:
    """The cards whose permission `user` holds."""
    return [card for card in registered_cards() if user.has_perm(card.permission)]


def dashboard_companies(user) -> QuerySet:
    """The active companies `user` may see, in code order: the dashboard shows one at a time."""
    company_model = django_apps.get_model("masterdata", "Company")
    return scoped(
        company_model.objects.filter(active=True).select_related("base_currency").order_by("code"),
        user=user,
        perm="masterdata.access_company",
        scope_model=company_model,
    )


def dashboard(user, *, company, today: date) -> list[ShownCard]:
    """Every card the user may see, with its panel for `company`."""
    scope = Scope(user=user, company=company, today=today)
    return [ShownCard(card, card.build(scope)) for card in cards_for(user)]


# --- Helpers the apps' cards share ----------------------------------------------------------------


def months_back(today: date, count: int) -> list[date]:
    """The first day of the last `count` months, oldest first, this month last."""
    firsts = [today.replace(day=1)]
    while len(firsts) < count:
        firsts.append((firsts[-1] - timedelta(days=1)).replace(day=1))
    return firsts[::-1]


def month_ranges(months: list[date], today: date) -> list[tuple[date, date]]:
    """Each month's first and last day, the current month ending today."""
    ends = [later - timedelta(days=1) for later in months[1:]] + [today]
    return list(zip(months, ends, strict=True))


def month_totals(rows, *, months: list[date], value: str) -> list[Decimal]:
    """Monthly sums from `values("month").annotate(...)` rows, zero for a month without any."""
    by_month = {}
    for row in rows:
        month = row["month"]
        key = month.date() if hasattr(month, "date") else month
        by_month[key] = by_month.get(key, ZERO) + (row[value] or ZERO)
    return [round_amount(by_month.get(month, ZERO)) for month in months]


def ageing_sums(queryset: QuerySet, *, amount: str, due: str, today: date) -> dict[str, Decimal]:
    """Open amounts per ageing bucket in one query (the buckets of apps.core.ageing)."""
    days = [today - timedelta(days=offset) for offset in (30, 60, 90)]
    conditions = {
        "current": Q(**{f"{due}__gte": today}),
        "1_30": Q(**{f"{due}__lt": today, f"{due}__gte": days[0]}),
        "31_60": Q(**{f"{due}__lt": days[0], f"{due}__gte": days[1]}),
        "61_90": Q(**{f"{due}__lt": days[1], f"{due}__gte": days[2]}),
        "over_90": Q(**{f"{due}__lt": days[2]}),
    }
    sums = queryset.aggregate(
        **{bucket: Coalesce(Sum(amount, filter=conditions[bucket]), ZERO, output_field=AMOUNT) for bucket in conditions}
    )
    return {bucket: round_amount(sums[bucket]) for bucket in AGEING_BUCKETS}


def ageing_panel(
    buckets: dict[str, Decimal], *, unapplied: Decimal, balance_label: str, chart_label: str, note: str, url: str
) -> Panel:
    """An ageing card: the balance (open items less what is paid or credited but not yet applied), what is
    overdue, and the open items per bucket."""
    overdue = sum((amount for bucket, amount in buckets.items() if bucket != "current"), ZERO)
    return Panel(
        url=url,
        figures=[
            Figure("balance", balance_label, round_amount(sum(buckets.values(), ZERO) - unapplied), url, money=True),
            Figure("overdue", _("Overdue"), overdue, url, money=True, attention=overdue > 0),
        ],
        chart=Chart(
            kind="bar",
            label=chart_label,
            labels=[AGEING_LABELS[bucket] for bucket in AGEING_BUCKETS],
            values=[buckets[bucket] for bucket in AGEING_BUCKETS],
            urls=[url] * len(AGEING_BUCKETS),
            money=True,
        ),
        note=note,
    )


# --- The kernel's own card: postings not yet in the books -----------------------------------------


def pending_postings(scope: Scope) -> Panel:
    counts = (
        outbox_events_visible_to(scope.user)
        .filter(company=scope.company)
        .aggregate(
            pending=Count("pk", filter=Q(status=OutboxEvent.Status.PENDING)),
            failed=Count("pk", filter=Q(status=OutboxEvent.Status.FAILED)),
        )
    )
    url = scope.url("posting-errors")
    return Panel(
        url=url,
        figures=[
            Figure(
                "pending",
                _("Waiting to be posted"),
                counts["pending"],
                scope.url("posting-errors", status=OutboxEvent.Status.PENDING),
                attention=counts["pending"] > 0,
            ),
            Figure(
                "failed",
                _("Failed, waiting for an operator"),
                counts["failed"],
                scope.url("posting-errors", status=OutboxEvent.Status.FAILED),
                attention=counts["failed"] > 0,
            ),
        ],
        note=_("Money figures do not include events until they are posted."),
    )


CARDS = [
    Card(
        key="postings",
        title=_("Pending postings"),
        permission="core.view_outboxevent",
        build=pending_postings,
        order=900,
    )
]
