from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "apps.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from apps.core.numbering import register_document_type

        from . import subscribers  # noqa: F401  (registers the outbox subscriber)
        from .approval import register_approvals
        from .models import ManualJournal

        register_document_type(ManualJournal.DOCUMENT_TYPE, prefix="MJ")
        register_approvals()
        register_document_type("journal_entry", prefix="JE", padding=6)
