"""Idempotency-Key on API POSTs: the same key and body replay the stored response; another body is 409."""

import hashlib

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import IdempotencyRecord


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
    """Claim `key` for this request, or raise IdempotentReplay / a 409 DomainError.

    The claim is written in the request's own transaction (ErpViewMixin), with the document and the
    response: a retry of the same key waits on the claim's row until the first request commits (and
    then replays it) or rolls back (and then runs). No claim outlives a request that failed."""
    if len(key) > 255 or not key.strip():
        raise DomainError(_("The Idempotency-Key header must be 1 to 255 characters."), code="invalid_idempotency_key")
    fingerprint = request_fingerprint(request)
    claimed = _claim(user=user, key=key, method=request.method, path=request.path[:500], request_hash=fingerprint)
    if claimed is not None:
        return claimed
    existing = IdempotencyRecord.objects.get(user=user, key=key)
    if existing.request_hash != fingerprint:
        raise DomainError(
            _("This Idempotency-Key was already used with a different request."),
            code="idempotency_key_reused",
            status_code=409,
        )
    raise IdempotentReplay(existing)


def _claim(*, user, key: str, method: str, path: str, request_hash: str) -> IdempotencyRecord | None:
    """Insert the record, or nothing when the user's key is taken (None). `ON CONFLICT DO NOTHING` waits, as a
    plain insert would, for a claim of the key not yet committed, and leaves the request's transaction usable
    without a savepoint around the insert (two statements fewer on every keyed POST)."""
    record = IdempotencyRecord(
        user=user, key=key, method=method, path=path, request_hash=request_hash, created_at=timezone.now()
    )
    created_at = record._meta.get_field("created_at").get_db_prep_value(record.created_at, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {record._meta.db_table} (user_id, "key", method, path, request_hash, created_at) '  # noqa: S608
            'VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, "key") DO NOTHING RETURNING id',
            [user.pk, key, method, path, request_hash, created_at],
        )
        inserted = cursor.fetchone()
    if inserted is None:
        return None
    record.pk = inserted[0]
    record._state.adding, record._state.db = False, connection.alias
    return record


def finish(record: IdempotencyRecord, *, status_code: int, body) -> None:
    record.status_code = status_code
    record.response_body = body
    record.save(update_fields=["status_code", "response_body"])
