from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "apps.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        from apps.core.numbering import register_document_type
        from apps.core.reconciliation import Subledger, register_subledger

        from . import models, selectors
        from .approval import register_approvals

        for document, prefix in (
            (models.PurchaseRequisition, "PR"),
            (models.PurchaseOrder, "PO"),
            (models.GoodsReceipt, "GR"),
            (models.SupplierBill, "BILL"),
            (models.SupplierPayment, "PAY"),
            (models.PurchaseReturn, "RTV"),
        ):
            register_document_type(document.DOCUMENT_TYPE, prefix=prefix)
        register_approvals()
        register_subledger(
            Subledger(
                role="ap",
                label=_("Payables (open bills less prepayments and debit notes)"),
                total=selectors.payables_total,
                credit_normal=True,
            )
        )
        register_subledger(
            Subledger(
                role="grni", label=_("Goods received not invoiced"), total=selectors.grni_total, credit_normal=True
            )
        )
