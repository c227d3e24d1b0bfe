from django.utils.functional import SimpleLazyObject

from . import selectors


def waiting_count(request) -> dict:
    """How many requests wait for the signed-in user: the navigation badge (one query, only when shown)."""
    user = getattr(request, "user", None)
    return {"approvals_waiting": SimpleLazyObject(lambda: selectors.waiting_count(user) if user is not None else 0)}
