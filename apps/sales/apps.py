from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "apps.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from apps.core.numbering import register_document_type
        from apps.core.reconciliation import Subledger, register_subledger

        from . import models, selectors
        from .approval import register_approvals

        for document, prefix in (
            (models.Quotation, "QT"),
            (models.SalesOrder, "SO"),
            (models.Delivery, "DN"),
            (models.CustomerInvoice, "INV"),
            (models.CreditNote, "CN"),
            (models.CustomerReceipt, "RCP"),
            (models.SalesReturn, "RMA"),
        ):
            register_document_type(document.DOCUMENT_TYPE, prefix=prefix)
        register_approvals()
        register_subledger(
            Subledger(
                role="ar",
                label=_("Receivables (open invoices less unapplied receipts and credits)"),
                total=selectors.receivables_total,
                credit_normal=False,
            )
        )
