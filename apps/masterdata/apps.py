from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterDataConfig(AppConfig):
    name = "apps.masterdata"
    label = "masterdata"
    verbose_name = _("Master data")

    def ready(self) -> None:
        from apps.core.numbering import register_document_type

        register_document_type("item", prefix="IT", padding=6)
        register_document_type("partner", prefix="BP", padding=5)
