"""The Redis cache backend (workbench.cache) against a real Redis, shared by threads."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from workbench.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def cache():
    cache = RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.delete_many(["n", "a", "b"])  # not clear(): that empties the whole Redis database
    cache.close()


def test_one_client_per_pool(cache):
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client
    assert cache._cache.get_client("some key", write=True) is client


def test_shared_client_counts_every_thread(cache):
    cache.set("n", 0, timeout=60)

    def add(_: int) -> int:
        return cache.incr("n")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(add, range(400)))
    assert sorted(answers) == list(range(1, 401))
    assert cache.get("n") == 400
    cache.set_many({"a": {"x": 1}, "b": [2]}, timeout=60)
    assert cache.get_many(["a", "b", "c"]) == {"a": {"x": 1}, "b": [2]}
