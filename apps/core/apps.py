from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import roles, security, webhooks  # noqa: F401  (webhooks registers its outbox subscriber)
        from .history import reuse_history_managers

        reuse_history_managers()
        security.connect_signals()
        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="core.sync_role_permissions")
