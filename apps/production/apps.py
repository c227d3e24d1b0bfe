from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "apps.production"
    label = "production"
    verbose_name = _("Production")

    def ready(self) -> None:
        from apps.core.numbering import register_document_type
        from apps.core.reconciliation import Subledger, register_subledger

        from . import models, selectors

        for document, prefix in (
            (models.WorkOrder, "WO"),
            (models.MaterialIssue, "MI"),
            (models.ProductionOutput, "OUT"),
        ):
            register_document_type(document.DOCUMENT_TYPE, prefix=prefix)
        register_subledger(
            Subledger(
                role="wip",
                label=_("Work in progress (material issued less output of work orders not yet closed)"),
                total=selectors.wip_total,
                credit_normal=False,
            )
        )
