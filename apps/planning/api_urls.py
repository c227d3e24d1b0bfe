from rest_framework.routers import DefaultRouter

from . import api

app_name = "planning-api"

router = DefaultRouter()
router.register("runs", api.RunViewSet, basename="run")
router.register("planned-orders", api.PlannedOrderViewSet, basename="planned-order")

urlpatterns = router.urls
