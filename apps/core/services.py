"""Platform operations a user performs on their own account: API tokens."""

from django.db import transaction
from django.utils.translation import gettext as _
from knox.models import AuthToken
from knox.settings import knox_settings

from .errors import NotVisible
from .models import SecurityEvent
from .security import record


def create_api_token(*, user, request=None) -> tuple[AuthToken, str]:
    """A new token for `user`; the secret is returned once and only its hash is stored."""
    with transaction.atomic():
        token, secret = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        record(
            SecurityEvent.Kind.TOKEN_CREATED,
            user=user,
            request=request,
            token_key=token.token_key,
            expiry=token.expiry.isoformat() if token.expiry else None,
        )
    return token, secret


def revoke_api_token(*, user, token_key: str, request=None) -> None:
    """Delete one of the user's own tokens; another user's token does not exist for them."""
    with transaction.atomic():
        deleted, _details = AuthToken.objects.filter(user=user, token_key=token_key).delete()
        if not deleted:
            raise NotVisible(_("No such API token."), code="not_found")
        record(SecurityEvent.Kind.TOKEN_REVOKED, user=user, request=request, token_key=token_key)
