from rest_framework.routers import DefaultRouter

from . import api

app_name = "sales-api"

router = DefaultRouter()
router.register("price-lists", api.PriceListViewSet, basename="price-list")
router.register("quotations", api.QuotationViewSet, basename="quotation")
router.register("orders", api.OrderViewSet, basename="order")
router.register("deliveries", api.DeliveryViewSet, basename="delivery")
router.register("invoices", api.InvoiceViewSet, basename="invoice")
router.register("credit-notes", api.CreditNoteViewSet, basename="credit-note")
router.register("receipts", api.ReceiptViewSet, basename="receipt")
router.register("returns", api.ReturnViewSet, basename="return")
router.register("reports", api.SalesReportViewSet, basename="report")

urlpatterns = router.urls
