from rest_framework.routers import SimpleRouter

from .api import OutboxEventViewSet, SecurityEventViewSet, WebhookDeliveryViewSet, WebhookSubscriptionViewSet

router = SimpleRouter()
router.register("outbox-events", OutboxEventViewSet, basename="core-outbox-event")
router.register("security-events", SecurityEventViewSet, basename="core-security-event")
router.register("webhook-subscriptions", WebhookSubscriptionViewSet, basename="core-webhook-subscription")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="core-webhook-delivery")

urlpatterns = router.urls
