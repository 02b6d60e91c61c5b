"""One error shape for the whole API, and the translation of domain exceptions into it.

Every error body is {"detail": summary, "code": machine code, "errors": {field: [reasons]}}; the
"errors" key is present for validation failures only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotations.common.concurrency import Busy
from annotations.review.workflow import WorkflowError
from annotations.spans.editing import AlreadyAttached


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state of the resource."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = "If-Match does not match the current version."


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is larger than the limit of {limit} bytes (REQUEST_MAX_BYTES)."


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"
    default_detail = "The service is busy; retry shortly."


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, Busy):
        return ServiceUnavailable(str(exc), code="busy")
    if isinstance(exc, AlreadyAttached):
        return Conflict(str(exc), code="already_attached")
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(too_large_message())
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, WorkflowError):
        if exc.code == "forbidden":
            return exceptions.PermissionDenied(exc.message)
        if exc.code == "note_required":
            return exceptions.ValidationError({"note": [exc.message]})
        return Conflict(exc.message, code=exc.code)
    return exc


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(key): [str(m) for m in (value if isinstance(value, list) else [value])]
            if not isinstance(value, dict)
            else [f"{k}: {v}" for k, v in _flatten(value).items()]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        fields = ", ".join(errors)
        response.data = {
            "detail": f"Invalid input: {fields}.",
            "code": "invalid",
            "errors": errors,
        }
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        response.data = {
            "detail": str(detail),
            "code": getattr(detail, "code", exc.default_code),
        }
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(Busy.retry_after)
    return response
