from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("apps.core.urls")),
    path("masterdata/", include("apps.masterdata.urls")),
    path("inventory/", include("apps.inventory.urls")),
    path("purchasing/", include("apps.purchasing.urls")),
    path("sales/", include("apps.sales.urls")),
    path("production/floor/", include("apps.production.screen_urls")),
    path("production/", include("apps.production.urls")),
    path("planning/", include("apps.planning.urls")),
    path("finance/", include("apps.finance.urls")),
    path("approvals/", include("apps.approvals.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/core/", include("apps.core.api_urls")),
    path("api/v1/masterdata/", include("apps.masterdata.api_urls")),
    path("api/v1/inventory/", include("apps.inventory.api_urls")),
    path("api/v1/purchasing/", include("apps.purchasing.api_urls")),
    path("api/v1/sales/", include("apps.sales.api_urls")),
    path("api/v1/production/", include("apps.production.api_urls")),
    path("api/v1/planning/", include("apps.planning.api_urls")),
    path("api/v1/finance/", include("apps.finance.api_urls")),
    path("api/v1/approvals/", include("apps.approvals.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
