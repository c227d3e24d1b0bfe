from django.urls import path

from .views import accounts, journals, periods, reports, verification

app_name = "finance"

urlpatterns = [
    path("accounts/", accounts.AccountListView.as_view(), name="account-list"),
    path("accounts/new/", accounts.AccountCreateView.as_view(), name="account-create"),
    path("accounts/load-template/", accounts.LoadChartView.as_view(), name="load-chart"),
    path("accounts/<int:pk>/", accounts.AccountDetailView.as_view(), name="account-detail"),
    path("accounts/<int:pk>/edit/", accounts.AccountEditView.as_view(), name="account-edit"),
    path("posting-rules/", accounts.PostingRuleListView.as_view(), name="posting-rule-list"),
    path("posting-rules/new/", accounts.PostingRuleCreateView.as_view(), name="posting-rule-create"),
    path("posting-rules/<int:pk>/", accounts.PostingRuleDetailView.as_view(), name="posting-rule-detail"),
    path("posting-rules/<int:pk>/edit/", accounts.PostingRuleEditView.as_view(), name="posting-rule-edit"),
    path("periods/", periods.PeriodListView.as_view(), name="period-list"),
    path("periods/open-year/", periods.OpenFiscalYearView.as_view(), name="fiscal-year-open"),
    path("periods/<int:pk>/", periods.PeriodDetailView.as_view(), name="period-detail"),
    path("periods/<int:pk>/close/", periods.ClosePeriodView.as_view(), name="period-close"),
    path("periods/<int:pk>/reopen/", periods.ReopenPeriodView.as_view(), name="period-reopen"),
    path("manual-journals/", journals.ManualJournalListView.as_view(), name="manual-journal-list"),
    path("manual-journals/new/", journals.ManualJournalCreateView.as_view(), name="manual-journal-create"),
    path("manual-journals/<int:pk>/", journals.ManualJournalDetailView.as_view(), name="manual-journal-detail"),
    path("manual-journals/<int:pk>/edit/", journals.ManualJournalEditView.as_view(), name="manual-journal-edit"),
    path("manual-journals/<int:pk>/post/", journals.PostManualJournalView.as_view(), name="manual-journal-post"),
    path("manual-journals/<int:pk>/cancel/", journals.CancelManualJournalView.as_view(), name="manual-journal-cancel"),
    path("journal-entries/", journals.JournalEntryListView.as_view(), name="journal-entry-list"),
    path("journal-entries/<int:pk>/", journals.JournalEntryDetailView.as_view(), name="journal-entry-detail"),
    path("reports/trial-balance/", reports.TrialBalanceView.as_view(), name="trial-balance"),
    path("reports/general-ledger/", reports.GeneralLedgerView.as_view(), name="general-ledger"),
    path("reports/profit-and-loss/", reports.ProfitAndLossView.as_view(), name="profit-and-loss"),
    path("reports/balance-sheet/", reports.BalanceSheetView.as_view(), name="balance-sheet"),
    path(
        "reports/inventory-reconciliation/",
        reports.InventoryReconciliationView.as_view(),
        name="inventory-reconciliation",
    ),
    path("verification/", verification.BooksVerificationView.as_view(), name="books-verification"),
]
