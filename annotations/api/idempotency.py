"""Idempotency-Key on POSTs: a retried request gets the first answer, not a second write.

A client that sent a POST and lost the answer (a timeout, a dropped connection) sends it again
with the same Idempotency-Key header. The first answer was stored with the write, in the same
transaction, so the retry gets it back (with `Idempotent-Replayed: true`) and nothing is
written twice. Keys are per user and kept for 24 hours; the same key with a different request
is refused (422). Answers of 4xx/5xx are not kept: the request had no effect and may be retried.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from annotations.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEPT_FOR = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = (
        f"This {HEADER} was already used for a different request; use a new key for a new request."
    )


def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError({HEADER: f"1 to {MAX_KEY_LENGTH} printable ASCII characters."})
    return key


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(json.loads(record.body), status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    if record.etag:
        response["ETag"] = record.etag
    return response


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Make a POST handler honour Idempotency-Key (see the module's docstring)."""

    @wraps(handler)
    def handle(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = _key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            mine = IdempotencyRecord.objects.filter(user=request.user)
            mine.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                # A first request with this key committed (or was waited for): answer as it did.
                record = mine.get(key=key)
                if record.fingerprint != fingerprint:
                    raise KeyReused() from None
                return _replay(record)
            response = handler(view, request, *args, **kwargs)
            record.status_code = response.status_code
            record.body = json.dumps(response.data, cls=JSONEncoder)
            record.etag = response.get("ETag", "")
            record.save(update_fields=["status_code", "body", "etag"])
        return response

    return handle
