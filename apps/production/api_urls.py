from rest_framework.routers import DefaultRouter

from . import api

app_name = "production-api"

router = DefaultRouter()
router.register("boms", api.BomViewSet, basename="bom")
router.register("work-orders", api.WorkOrderViewSet, basename="work-order")
router.register("material-issues", api.MaterialIssueViewSet, basename="material-issue")
router.register("outputs", api.OutputViewSet, basename="output")

urlpatterns = router.urls
