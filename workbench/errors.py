"""Site-wide error answers: JSON under /api/, where clients parse every answer; pages elsewhere.

Django calls these for errors raised outside a view (in middleware, say) or not handled by one;
the API's own exception handler covers errors inside its views with the same shape.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request, page_not_found

from annotations.api.errors import too_large_message


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for URLs no route matches."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)


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
