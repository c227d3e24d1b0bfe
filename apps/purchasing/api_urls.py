from rest_framework.routers import DefaultRouter

from . import api

app_name = "purchasing-api"

router = DefaultRouter()
router.register("requisitions", api.RequisitionViewSet, basename="requisition")
router.register("orders", api.OrderViewSet, basename="order")
router.register("receipts", api.ReceiptViewSet, basename="receipt")
router.register("bills", api.BillViewSet, basename="bill")
router.register("payments", api.PaymentViewSet, basename="payment")
router.register("returns", api.ReturnViewSet, basename="return")
router.register("reports", api.PurchasingReportViewSet, basename="report")

urlpatterns = router.urls
