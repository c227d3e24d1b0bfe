import logging

from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)


class DatabaseUnavailableMiddleware:
    """A lost database connection answers 503 with Retry-After, not a 500 page.

    The request's transaction was rolled back with the connection, so nothing is half-written.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("database unavailable for %s: %s", request.path, exception)
        message = _("The database is unavailable; nothing was saved. Please retry shortly.")
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"error": {"code": "service_unavailable", "message": message, "fields": {}}}, status=503
            )
        else:
            response = _unavailable_page(request, message)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def _unavailable_page(request, message: str) -> HttpResponse:
    # The page must not need the database: no signed-in user (a session and user lookup), and a
    # bare page if the layout still reaches for it (messages kept in the session, for one).
    request.user = AnonymousUser()
    try:
        response = TemplateResponse(request, "503.html", {"message": message}, status=503)
        response.render()
    except DATABASE_ERRORS:
        response = HttpResponse(format_html("<!doctype html><title>503</title><p>{}</p>", message), status=503)
    return response
