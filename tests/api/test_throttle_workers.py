"""The write limit holds across worker processes: two gunicorn workers share one count."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.factories import annotator

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def serve(port: int, cache_env: dict[str, str]) -> subprocess.Popen:
    env = {
        **os.environ,
        **cache_env,
        "DATABASE_URL": database_url(),
        "API_WRITE_THROTTLE": f"{LIMIT}/day",  # one window for the whole test
        "CACHE_KEY_PREFIX": uuid.uuid4().hex,  # a fresh count, whatever ran before
        "DEBUG": "true",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "workbench.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("gunicorn did not start")


def write(port: int, token: str, n: int) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/evidence/",
        data=json.dumps({"url": f"https://example.org/{n}", "title": f"Source {n}"}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("cache", [pytest.param("redis", marks=pytest.mark.redis), "database"])
def test_two_workers_let_through_no_more_writes_than_the_limit(cache):
    cache_env = {"REDIS_URL": "redis://127.0.0.1:6379/0"} if cache == "redis" else {"REDIS_URL": ""}
    token = Token.objects.create(user=annotator(username="script")).key
    port = free_port()
    server = serve(port, cache_env)
    codes: list[int] = []
    lock = threading.Lock()

    def client(first: int) -> None:
        for n in range(first, first + 15):
            code = write(port, token, n)
            with lock:
                codes.append(code)

    try:
        threads = [threading.Thread(target=client, args=(i * 100,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert len(codes) == 90
    assert set(codes) <= {201, 429}
    assert codes.count(201) == LIMIT
