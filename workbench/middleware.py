"""Request checks that apply to every route, before any view or form sees the request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse

from workbench import errors

logger = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"


def _invalid_utf8_field(body: bytes) -> str | None:
    """Name the first form field whose name or value is not UTF-8 once percent-decoded."""
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return unquote_to_bytes(name).decode("utf-8", "replace")
    return None


class RejectInvalidUtf8:
    """Refuse form posts that are not UTF-8 instead of storing U+FFFD in their place.

    Django decodes form data with errors="replace", so a Latin-1 "Café" would be saved as
    "Caf\ufffd" without a word; here it is a 400 naming the field.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == FORM:
            field = _invalid_utf8_field(request.body)
            if field is not None:
                detail = f"The form field {field!r} is not valid UTF-8; nothing was saved."
                if request.path.startswith("/api/"):
                    errors = {field: ["Not valid UTF-8."]}
                    return JsonResponse(
                        {"detail": detail, "code": "invalid", "errors": errors}, status=400
                    )
                return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DatabaseUnavailable:
    """Answer 503 with Retry-After, not 500, when a view fails because the database is away.

    Views (the API's included) are where the database is first touched, through the lazily
    loaded user; errors raised elsewhere reach workbench.errors.server_error_or_unavailable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if errors.is_database_unavailable(exception):
            logger.warning("database unavailable for %s: %s", request.path, exception)
            return errors.unavailable(request)
        return None
