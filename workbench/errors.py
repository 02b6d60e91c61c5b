"""Site-wide error answers: JSON under /api/, where clients parse every answer; pages elsewhere.

Django calls these for errors raised outside a view (in middleware, say) or not handled by one;
the API's own exception handler covers errors inside its views with the same shape.
"""

from __future__ import annotations

import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.defaults import bad_request, page_not_found, server_error

from annotations.api.errors import too_large_message
from annotations.projects import membership


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for URLs no route matches."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 for a page or an admin screen the user may not open: the site's own page, in their
    language, saying why (the refusal's own words when it has some) and whom to ask."""
    reason = str(exception) if exception is not None else ""
    if _is_api(request):
        detail = reason or "You do not have permission to perform this action."
        return JsonResponse({"detail": detail, "code": "permission_denied"}, status=403)
    user = getattr(request, "user", None)
    ask = membership.managers_to_ask(user) if user is not None and user.is_authenticated else []
    page = loader.render_to_string("403.html", {"reason": reason, "ask": ask}, request)
    return HttpResponse(page, status=403)


def bad_request_or_too_large(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for requests Django refuses before a view runs; 413 when the body is too large."""
    if isinstance(exception, RequestDataTooBig):
        detail = too_large_message()
        if _is_api(request):
            return JsonResponse({"detail": detail, "code": "too_large"}, status=413)
        return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
    if _is_api(request):
        return JsonResponse(
            {"detail": str(exception) or "Bad request.", "code": "bad_request"}, status=400
        )
    return bad_request(request, exception)


RETRY_AFTER_SECONDS = 5


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether a request failed because the database could not be reached or went away."""
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, a "temporarily unavailable" page elsewhere."""
    detail = "The database is temporarily unavailable; nothing was saved. Retry in a moment."
    if _is_api(request):
        response = JsonResponse({"detail": detail, "code": "unavailable"}, status=503)
    else:
        page = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error_or_unavailable(request: HttpRequest) -> HttpResponse:
    """500, or 503 when the database is away; JSON under /api/ either way."""
    if is_database_unavailable(sys.exc_info()[1]):
        return unavailable(request)
    if _is_api(request):
        detail = "The server had a problem and nothing was saved. Retry in a moment."
        return JsonResponse({"detail": detail, "code": "server_error"}, status=500)
    return server_error(request)
