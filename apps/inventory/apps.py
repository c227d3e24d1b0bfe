from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from apps.core.numbering import register_document_type

        from .approval import register_approvals
        from .models import StockAdjustment, StockCount, StockTransfer

        register_approvals()

        register_document_type(StockAdjustment.DOCUMENT_TYPE, prefix="ADJ")
        register_document_type(StockTransfer.DOCUMENT_TYPE, prefix="TRF")
        register_document_type(StockCount.DOCUMENT_TYPE, prefix="CNT")
