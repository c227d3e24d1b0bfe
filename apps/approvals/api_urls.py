from rest_framework.routers import DefaultRouter

from . import api

app_name = "approvals-api"

router = DefaultRouter()
router.register("requests", api.ApprovalRequestViewSet, basename="request")
router.register("delegations", api.DelegationViewSet, basename="delegation")
router.register("notifications", api.NotificationViewSet, basename="notification")
router.register("rules", api.ApprovalRuleViewSet, basename="rule")

urlpatterns = router.urls
