from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from . import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_approval_mail(user_id: int, message: str, token: str) -> None:
    user = get_user_model().objects.get(pk=user_id)
    link = settings.SITE_URL.rstrip("/") + reverse("approvals:link", args=[token])
    body = _("%(message)s\n\nOpen it (the link works once, for three days):\n%(link)s") % {
        "message": message,
        "link": link,
    }
    send_mail(subject=f"[erp-lite] {message}"[:150], message=body, from_email=None, recipient_list=[user.email])


@shared_task(acks_late=True)
def escalate_approvals() -> int:
    return services.escalate_due()
