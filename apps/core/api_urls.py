from rest_framework.routers import SimpleRouter

from .api import OutboxEventViewSet, SecurityEventViewSet

router = SimpleRouter()
router.register("outbox-events", OutboxEventViewSet, basename="core-outbox-event")
router.register("security-events", SecurityEventViewSet, basename="core-security-event")

urlpatterns = router.urls
