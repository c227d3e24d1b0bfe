"""Idempotency-Key on API POSTs: the same key and body replay the stored response; another body is 409."""

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import IdempotencyRecord

# A request that crashed without finishing leaves its record open; after this it may be retried.
ABANDONED_AFTER = timedelta(seconds=60)


class IdempotentReplay(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip()
    for part in (request.method, request.path, content_type):
        digest.update(part.encode())
        digest.update(b"\0")
    if content_type == "multipart/form-data":
        _digest_form(digest, request)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _digest_form(digest, request) -> None:
    """A multipart body differs per send (its boundary is random), and its stream may already be
    consumed (CSRF checks read request.POST), so the parsed fields and file contents are hashed."""
    for name in sorted(request.POST):
        for value in request.POST.getlist(name):
            digest.update(f"field\0{name}\0{value}\0".encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"file\0{name}\0{upload.name}\0".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)


def begin(*, request, user, key: str) -> IdempotencyRecord:
    """Claim `key` for this request, or raise IdempotentReplay / a 409 DomainError."""
    if len(key) > 255 or not key.strip():
        raise DomainError(_("The Idempotency-Key header must be 1 to 255 characters."), code="invalid_idempotency_key")
    fingerprint = request_fingerprint(request)
    try:
        return _claim(user=user, key=key, method=request.method, path=request.path[:500], request_hash=fingerprint)
    except IntegrityError:
        pass
    with transaction.atomic():
        existing = IdempotencyRecord.objects.select_for_update().get(user=user, key=key)
        if existing.request_hash != fingerprint:
            raise DomainError(
                _("This Idempotency-Key was already used with a different request."),
                code="idempotency_key_reused",
                status_code=409,
            )
        if existing.status_code is not None:
            raise IdempotentReplay(existing)
        if timezone.now() - existing.created_at < ABANDONED_AFTER:
            raise DomainError(
                _("A request with this Idempotency-Key is still being processed."),
                code="idempotency_in_progress",
                status_code=409,
            )
        existing.created_at = timezone.now()
        existing.save(update_fields=["created_at"])
        return existing


def _claim(**fields) -> IdempotencyRecord:
    """Insert the record; a duplicate key raises IntegrityError and leaves any outer transaction usable."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():  # a savepoint, rolled back alone on a duplicate key
            return IdempotencyRecord.objects.create(**fields)
    return IdempotencyRecord.objects.create(**fields)  # autocommit: the INSERT is its own transaction


def finish(record: IdempotencyRecord, *, status_code: int, body) -> None:
    if status_code >= 500:
        record.delete()  # let the client retry a server failure with the same key
        return
    record.status_code = status_code
    record.response_body = body
    record.save(update_fields=["status_code", "response_body"])
