"""Per-user limit on API writes, so one runaway script cannot flood the database.

The count lives in Django's cache, which every worker process shares (Redis in production,
the database otherwise): a limit counted per process would let N workers take N times the rate.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


def increment(key: str, *, timeout: int) -> int:
    """Add one to a counter shared by every worker process and return it.

    Redis increments atomically. The database cache reads and writes back, so on PostgreSQL
    the two steps run under a transaction-scoped advisory lock on the key: concurrent workers
    take turns and none overwrites another's count.
    """
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _redis_add_one(cache, key, timeout)
    if not isinstance(cache, DatabaseCache):
        return _add_one(cache, key, timeout)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        return _add_one(cache, key, timeout)


def _redis_add_one(cache: RedisCache, key: str, timeout: int) -> int:
    """One round trip: create the counter with its expiry if it is new, then add one, in one
    MULTI (Django's add() and incr() take three: SET NX, EXISTS and INCRBY)."""
    name = cache.make_and_validate_key(key)
    client = cache._cache.get_client(name, write=True)
    with client.pipeline(transaction=True) as pipe:
        pipe.set(name, 0, ex=timeout, nx=True)
        pipe.incr(name)
        return pipe.execute()[1]


def _add_one(cache, key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the counter expired between add() and incr()
        cache.set(key, 1, timeout=timeout)
        return 1


class WriteRateThrottle(SimpleRateThrottle):
    """Throttle unsafe methods at REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["writes"].

    A fixed window per user: one counter per window (increment()), so concurrent writes in
    several workers are all counted. (DRF's own throttles read, append and write back a
    list: concurrent requests overwrite each other's entries.)
    """

    scope = "writes"

    def get_rate(self) -> str | None:
        # Read the setting on each request (not at import) so deployments and tests can change it.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        limit, duration = self.parse_rate(self.rate)
        now = time.time()
        window = int(now // duration)
        key = f"{self.get_cache_key(request, view)}:{window}"
        count = increment(key, timeout=duration + 1)
        self.retry_after = (window + 1) * duration - now
        return count <= limit

    def wait(self) -> float:
        return self.retry_after
