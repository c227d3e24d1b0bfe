from rest_framework.routers import DefaultRouter

from . import api

app_name = "finance-api"

router = DefaultRouter()
router.register("accounts", api.AccountViewSet, basename="account")
router.register("posting-rules", api.PostingRuleViewSet, basename="posting-rule")
router.register("fiscal-years", api.FiscalYearViewSet, basename="fiscal-year")
router.register("periods", api.PeriodViewSet, basename="period")
router.register("charts", api.ChartViewSet, basename="chart")
router.register("journal-entries", api.JournalEntryViewSet, basename="journal-entry")
router.register("manual-journals", api.ManualJournalViewSet, basename="manual-journal")
router.register("reports", api.FinanceReportViewSet, basename="report")

urlpatterns = router.urls
