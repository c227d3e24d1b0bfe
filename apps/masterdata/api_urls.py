from rest_framework.routers import DefaultRouter

from . import api

app_name = "masterdata-api"

router = DefaultRouter()
router.register("companies", api.CompanyViewSet, basename="company")
router.register("currencies", api.CurrencyViewSet, basename="currency")
router.register("exchange-rates", api.ExchangeRateViewSet, basename="exchange-rate")
router.register("units", api.UnitViewSet, basename="unit")
router.register("unit-conversions", api.UnitConversionViewSet, basename="unit-conversion")
router.register("tax-rates", api.TaxRateViewSet, basename="tax-rate")
router.register("payment-terms", api.PaymentTermsViewSet, basename="payment-terms")
router.register("item-categories", api.ItemCategoryViewSet, basename="item-category")
router.register("items", api.ItemViewSet, basename="item")
router.register("partners", api.PartnerViewSet, basename="partner")
router.register("warehouses", api.WarehouseViewSet, basename="warehouse")
router.register("locations", api.LocationViewSet, basename="location")
router.register("merge-records", api.MergeRecordViewSet, basename="merge-record")
router.register("import-batches", api.ImportBatchViewSet, basename="import-batch")

urlpatterns = router.urls
