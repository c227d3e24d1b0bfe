from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterDataConfig(AppConfig):
    name = "apps.masterdata"
    label = "masterdata"
    verbose_name = _("Master data")

    def ready(self) -> None:
        from apps.core.access import register_scope
        from apps.core.numbering import register_document_type

        from .models import Company, Partner, Warehouse
        from .selectors import ACCESS_COMPANY, ACCESS_PARTNER, ACCESS_WAREHOUSE

        for perm, scope_model in ((ACCESS_COMPANY, Company), (ACCESS_WAREHOUSE, Warehouse), (ACCESS_PARTNER, Partner)):
            register_scope(perm, scope_model)

        register_document_type("item", prefix="IT", padding=6)
        register_document_type("partner", prefix="BP", padding=5)
