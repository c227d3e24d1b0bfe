from rest_framework.routers import DefaultRouter

from . import api

app_name = "inventory-api"

router = DefaultRouter()
router.register("adjustments", api.AdjustmentViewSet, basename="adjustment")
router.register("transfers", api.TransferViewSet, basename="transfer")
router.register("counts", api.CountViewSet, basename="count")
router.register("balances", api.BalanceViewSet, basename="balance")
router.register("moves", api.MoveViewSet, basename="move")
router.register("lots", api.LotViewSet, basename="lot")
router.register("reports", api.InventoryReportViewSet, basename="report")

urlpatterns = router.urls
