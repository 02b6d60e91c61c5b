"""The write limit holds over every sliding window, on the real shared cache (the database's
or Redis): a burst at the end of one minute and another at the start of the next are one
minute's writes."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches

from annotations.api.throttling import WriteRateThrottle
from tests.factories import annotator

pytestmark = pytest.mark.django_db

LIMIT = 4


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def shared_cache(request, settings):
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "workbench.cache.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/0",
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
    yield request.param
    caches["default"].close()


@pytest.fixture
def clock(monkeypatch, settings):
    """The throttle's clock (DRF's `timer` hook), set by the test: the cache stays real."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": f"{LIMIT}/minute"},
    }
    now = [1_800_000_000.0]  # a minute's turn: 30 000 000 whole minutes
    monkeypatch.setattr(WriteRateThrottle, "timer", staticmethod(lambda: now[0]))
    return now


def test_a_burst_either_side_of_a_minutes_turn_gets_the_limit_once(shared_cache, clock, client_for):
    client = client_for(annotator(username=f"script-{shared_cache}"))

    def write(n):
        body = {"url": f"https://example.org/{n}", "title": f"Source {n}"}
        return client.post("/api/v1/evidence/", body, format="json")

    clock[0] -= 1.0  # the last second of a minute
    assert [write(n).status_code for n in range(LIMIT)] == [201] * LIMIT
    clock[0] += 2.0  # the first second of the next
    refused = write(LIMIT)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 58  # when the burst leaves the window
    clock[0] += 57.5  # not quite a minute after the burst
    assert write(LIMIT + 1).status_code == 429
    clock[0] += 1.0  # the burst is over a minute old: the limit again, and no more
    again = [write(n).status_code for n in range(LIMIT + 2, 2 * LIMIT + 3)]
    assert again == [201] * LIMIT + [429]
