"""Where the books appear in the browser: the Finance and Operations menus, record pages, source pages."""

from django.utils.translation import gettext_lazy as _

from .models import Account, ManualJournal

MENUS = [
    (
        _("Finance"),
        [
            (_("Chart of accounts"), "finance:account-list", "finance.view_account"),
            (_("Posting rules"), "finance:posting-rule-list", "finance.view_postingrule"),
            (_("Fiscal years and periods"), "finance:period-list", "finance.view_period"),
            (_("Manual journals"), "finance:manual-journal-list", "finance.view_manualjournal"),
            (_("Journal entries"), "finance:journal-entry-list", "finance.view_journalentry"),
            (_("Trial balance"), "finance:trial-balance", "finance.view_journalentry"),
            (_("General ledger"), "finance:general-ledger", "finance.view_journalentry"),
            (_("Profit and loss"), "finance:profit-and-loss", "finance.view_journalentry"),
            (_("Balance sheet"), "finance:balance-sheet", "finance.view_journalentry"),
            (_("Inventory reconciliation"), "finance:inventory-reconciliation", "finance.view_reconciliationrun"),
            (_("Books verification"), "finance:books-verification", "finance.view_booksverification"),
        ],
    ),
    # The platform's integration pages; they sit here until the kernel has a navigation of its own.
    (
        _("Operations"),
        [
            (_("Posting errors"), "posting-errors", "core.view_outboxevent"),
            (_("Webhooks"), "webhook-list", "core.view_webhooksubscription"),
        ],
    ),
]

# Each record's detail page, for links from history and from the postings and moves it caused.
RECORD_PAGES = {
    Account: "finance:account-detail",
    ManualJournal: "finance:manual-journal-detail",
}
