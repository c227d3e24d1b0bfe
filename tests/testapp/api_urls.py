from rest_framework.routers import SimpleRouter

from .api import VoucherViewSet

router = SimpleRouter()
router.register("vouchers", VoucherViewSet, basename="voucher")

urlpatterns = router.urls
