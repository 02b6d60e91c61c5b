"""Per-user limit on API writes, so one runaway script cannot flood the database.

The limit holds over every sliding window: N writes a minute means no more than N in any 60
seconds, not N in each clock minute (which lets 2N through around the minute's turn). Each
user's accepted writes are kept as a log of times in Django's cache, which every worker process
shares (Redis in production, the database otherwise): a limit counted per process would let
N workers take N times the rate.
"""

from __future__ import annotations

import hashlib
import uuid

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

# Drop the times older than the window, then log this write if the window has room; answer
# (1, 0) when it was logged, or (0, the oldest time still in the window, as text) when not.
_TAKE_SLOT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return {1, '0'}
end
return {0, redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]}
"""


def take_slot(key: str, *, now: float, window: int, limit: int) -> float | None:
    """Log a write at `now` if fewer than `limit` were logged in the `window` seconds before;
    return None when it was, else the seconds until the oldest one leaves the window.

    On Redis one Lua script does it, atomically. The database cache reads and writes back, so
    on PostgreSQL the two steps run under a transaction-scoped advisory lock on the key:
    concurrent workers take turns and none overwrites another's log.
    """
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)
        client = cache._cache.get_client(name, write=True)
        taken, oldest = client.eval(_TAKE_SLOT, 1, name, now, window, limit, uuid.uuid4().hex)
        return None if taken else float(oldest) + window - now
    if not isinstance(cache, DatabaseCache):
        return _take_from_log(cache, key, now, window, limit)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        return _take_from_log(cache, key, now, window, limit)


def _take_from_log(cache, key: str, now: float, window: int, limit: int) -> float | None:
    times = [t for t in cache.get(key, []) if t > now - window]
    if len(times) >= limit:
        return min(times) + window - now
    cache.set(key, [*times, now], timeout=window + 1)
    return None


class WriteRateThrottle(SimpleRateThrottle):
    """Throttle unsafe methods at REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["writes"].

    A sliding window per user, logged in the shared cache (take_slot()), so concurrent writes
    in several workers are all counted. (DRF's own throttles read, append and write back a
    list: concurrent requests overwrite each other's entries.) Refused writes are not logged:
    a client that waits Retry-After gets through.
    """

    scope = "writes"

    def get_rate(self) -> str | None:
        # Read the setting on each request (not at import) so deployments and tests can change it.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return f"throttle:{self.scope}:log:{ident}"

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        limit, duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        self.retry_after = take_slot(key, now=self.timer(), window=duration, limit=limit)
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after
