"""Cash on the home page's dashboard: the balance of the accounts the bank posting rules post to.

Balances come from the period balance rows (one row per account and period), so the figure costs
one query whatever the size of the journal.
"""

from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from apps.core.dashboard import Card, Chart, Figure, Panel, Scope
from apps.core.money import ZERO, round_amount

from . import selectors
from .models import AccountBalance, PostingRule


def cash(scope: Scope) -> Panel:
    bank_accounts = selectors.accounts_visible_to(scope.user).filter(
        company=scope.company,
        pk__in=PostingRule.objects.filter(company=scope.company, role=PostingRule.Role.BANK).values("account_id"),
    )
    rows = list(
        AccountBalance.objects.filter(account__in=bank_accounts.values("pk"))
        .values("account_id", "account__code", "account__name")
        .annotate(balance=Sum(F("debit") - F("credit")))
        .order_by("account__code")
    )
    balances = [round_amount(row["balance"] or ZERO) for row in rows]
    start = scope.today.replace(month=1, day=1).isoformat()
    url = scope.url("finance:balance-sheet", as_of=scope.today.isoformat())
    return Panel(
        url=url,
        figures=[Figure("balance", _("Cash and bank"), sum(balances, ZERO), url, money=True)],
        chart=Chart(
            kind="bar",
            label=_("Balance by account"),
            labels=[f"{row['account__code']} {row['account__name']}" for row in rows],
            values=balances,
            urls=[
                scope.url("finance:general-ledger", account=row["account_id"], start=start, end=scope.today.isoformat())
                for row in rows
            ],
            money=True,
        ),
        note=_("Posted balances of the accounts the bank posting rules post to."),
    )


CARDS = [Card(key="cash", title=_("Cash"), permission="finance.view_journalentry", build=cash, order=60)]
