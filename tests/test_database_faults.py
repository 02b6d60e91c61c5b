"""The database going away and coming back, against the real server (issue: Reliability II).

Writers create annotations through a live server while the test database first refuses new
connections and has every connection killed, then comes back. Every 201 a client got must be
in the database with its history; nothing a client was told failed may be there; failures are
503 JSON with Retry-After, never 500; and requests succeed again within a second.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg
import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from annotations.models import Annotation
from tests.factories import PASSWORD, ArticleFactory, annotator

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def admin_connection() -> psycopg.Connection:
    """A connection to the server's maintenance database, outside the app and its pool."""
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"],
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def take_database_down(admin: psycopg.Connection, name: str) -> None:
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        [name],
    )


def bring_database_back(admin: psycopg.Connection, name: str) -> None:
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def post(url: str, token: str, body: dict) -> tuple[int, dict, dict, float]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.load(response), dict(response.headers), 0.0
    except urllib.error.HTTPError as error:
        payload = error.read()
        elapsed = time.monotonic() - started
        try:
            parsed = json.loads(payload)
        except ValueError:
            parsed = {"raw": payload[:200].decode("utf-8", "replace")}
        return error.code, parsed, dict(error.headers), elapsed


def test_writers_lose_nothing_while_the_database_goes_away_and_comes_back(live_server):
    name = connection.settings_dict["NAME"]
    author = annotator(username="writer")
    token = Token.objects.create(user=author).key
    article = ArticleFactory(body="word " * 500)
    url = f"{live_server.url}/api/v1/annotations/"
    outcomes: list[tuple[str, int, dict, dict, float]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(number: int) -> None:
        n = 0
        while not stop.is_set():
            note = f"w{number}-{n}"
            start = 5 * ((number * 97 + n) % 500)
            result = post(
                url,
                token,
                {
                    "article": article.pk,
                    "label": "claim",
                    "start": start,
                    "end": start + 4,
                    "note": note,
                },
            )
            with lock:
                outcomes.append((note, *result))
            n += 1
            time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    admin = admin_connection()
    try:
        time.sleep(0.7)
        take_database_down(admin, name)
        time.sleep(1.5)
        bring_database_back(admin, name)
        back_at = time.monotonic()
        first_success = None
        while time.monotonic() - back_at < 5:
            status, *_ = post(
                url,
                token,
                {"article": article.pk, "label": "claim", "start": 0, "end": 4, "note": "probe"},
            )
            if status == 201:
                first_success = time.monotonic() - back_at
                break
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        bring_database_back(admin, name)
        admin.close()
        connection.close()  # the test's own connection was killed with the others

    assert first_success is not None and first_success < 1.0, first_success
    statuses = [status for _, status, *_ in outcomes]
    assert 201 in statuses and 503 in statuses, statuses
    assert set(statuses) <= {201, 503}, [o for o in outcomes if o[1] not in (201, 503)]
    for _note, status, payload, headers, elapsed in outcomes:
        if status == 503:
            assert payload["code"] == "unavailable" and headers.get("Retry-After")
            assert elapsed < 5, f"503 after {elapsed:.1f}s"
    created = {note for note, status, *_ in outcomes if status == 201}
    failed = {note for note, status, *_ in outcomes if status != 201}
    stored = dict(Annotation.objects.values_list("note", "pk"))
    assert created <= set(stored), "a 201 the client got is missing"
    assert not failed & set(stored), "something committed that the client was told failed"
    history = Annotation.history.model.objects
    for note in created:
        assert history.filter(id=stored[note]).exists(), f"{note} has no history"


def test_pages_say_temporarily_unavailable_while_the_database_is_away(live_server):
    name = connection.settings_dict["NAME"]
    annotator(username="reader")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    login_page = opener.open(f"{live_server.url}/accounts/login/").read().decode()
    token = login_page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    form = urllib.parse.urlencode(
        {"username": "reader", "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(urllib.request.Request(f"{live_server.url}/accounts/login/", data=form)).close()
    admin = admin_connection()
    try:
        take_database_down(admin, name)
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(f"{live_server.url}/")
        elapsed = time.monotonic() - started
    finally:
        bring_database_back(admin, name)
        admin.close()
        connection.close()
    assert refused.value.code == 503
    assert refused.value.headers["Retry-After"]
    assert "Temporarily unavailable" in refused.value.read().decode()
    assert elapsed < 5
