"""Load test: 50 concurrent editors against gunicorn and PostgreSQL on 127.0.0.1, for 60 s.

Usage: python bench/load_test.py [--editors 50] [--seconds 60]
Uses LOAD_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/workbench_load), which it
creates and fills, and Redis for the shared cache as production does (LOAD_REDIS_URL, default
redis://127.0.0.1:6379/3). Each editor logs in (before the clock starts), then loops: load an
article page, read an article's annotations through the API, create an annotation, edit one of
its own (with If-Match), pausing
--think seconds on average between actions as a person does (0 makes it a stress test).
Then the create-only floor: the same number of clients creating through the API, and the same
INSERT straight through psycopg. Prints throughput, p50/p99 latency and errors per operation.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import psycopg
import requests
import server

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workbench_load")
PYTHON = sys.executable
BODY = (
    "The minister said “costs rose 12%” in Tromsø on Monday; officials denied it. " * 40
).strip()
WORD = "minister"


def prepare(editors: int) -> None:
    name = URL.rsplit("/", 1)[1]
    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": URL}
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = f"""
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from annotations.models import Article, Membership, Project
project = Project.objects.create(name="Load", slug="load")
password = make_password("load-test-password")
users = User.objects.bulk_create(
    [User(username=f"editor{{n}}", password=password) for n in range({editors})])
Membership.objects.bulk_create(
    [Membership(project=project, user=user, role="annotator") for user in users])
for n in range(20):
    Article.objects.create(project=project, title=f"Load article {{n}}", body={BODY!r})
"""
    subprocess.run([PYTHON, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True)


class Editor:
    def __init__(self, base: str, number: int, stats, stop, create_only: bool, think: float):
        self.base, self.number, self.stats, self.stop = base, number, stats, stop
        self.create_only, self.think = create_only, think
        self.session = requests.Session()
        self.mine: list[tuple[int, int]] = []  # (id, version)
        self.rng = random.Random(number)

    def log_in(self) -> None:
        page = self.session.get(f"{self.base}/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.session.post(
            f"{self.base}/accounts/login/",
            data={
                "username": f"editor{self.number}",
                "password": "load-test-password",
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{self.base}/accounts/login/"},
        )
        response.raise_for_status()
        self.csrf = self.session.cookies["csrftoken"]

    def timed(self, kind: str, call) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = call()
            ok = response.status_code < 400
        except requests.RequestException:
            response, ok = None, False
        self.stats[kind].append((time.perf_counter() - started, ok))
        return response

    def create(self, article: int) -> None:
        start = self.rng.randrange(0, len(BODY) - 40)
        response = self.timed(
            "create",
            lambda: self.session.post(
                f"{self.base}/api/v1/annotations/",
                json={
                    "article": article,
                    "label": "claim",
                    "start": start,
                    "end": start + 30,
                    "quote": BODY[start : start + 30],
                },
                headers={"X-CSRFToken": self.csrf},
            ),
        )
        if response is not None and response.status_code == 201:
            self.mine.append((response.json()["id"], response.json()["version"]))

    def edit(self) -> None:
        index = self.rng.randrange(len(self.mine))
        annotation, version = self.mine[index]
        response = self.timed(
            "edit",
            lambda: self.session.patch(
                f"{self.base}/api/v1/annotations/{annotation}/",
                json={"note": f"note {time.time()}"},
                headers={"X-CSRFToken": self.csrf, "If-Match": f'"{version}"'},
            ),
        )
        if response is not None and response.status_code == 200:
            self.mine[index] = (annotation, response.json()["version"])

    def run_logged_in(self, articles: list[int]) -> None:
        while not self.stop.is_set():
            if self.think:  # a person reads and selects between actions: 0.5 to 1.5 x think
                self.stop.wait(self.think * (0.5 + self.rng.random()))
            article = self.rng.choice(articles)
            if self.create_only:
                self.create(article)
                continue
            roll = self.rng.random()
            if roll < 0.35:
                page = f"{self.base}/articles/{article}/"
                self.timed("article page", lambda url=page: self.session.get(url))
            elif roll < 0.65:
                listing = f"{self.base}/api/v1/annotations/?article={article}"
                self.timed("annotation list", lambda url=listing: self.session.get(url))
            elif roll < 0.85 or not self.mine:
                self.create(article)
            else:
                self.edit()


def run_editors(base, editors, seconds, articles, create_only=False, think=0.0, kind=None):
    """Log every editor in, then let them work for `seconds`: logging in (password hashing)
    is not what the window measures."""
    stats: dict[str, list] = defaultdict(list)
    stop = threading.Event()
    kind = kind or Editor
    workers = [kind(base, n, stats, stop, create_only, think) for n in range(editors)]
    for worker in workers:
        worker.log_in()
    threads = [threading.Thread(target=w.run_logged_in, args=(articles,)) for w in workers]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return stats


INSERT = """
    INSERT INTO annotations_annotation (project_id, article_id, author_id, label, start, "end",
        quote, prefix, suffix, note, status, review_note, created_at, updated_at, version,
        anchor, revision)
    SELECT project_id, %s, %s, 'claim', %s, %s, %s, %s, %s, '', 'draft', '', now(), now(), 1,
           'anchored', 1
    FROM annotations_article WHERE id = %s"""


def insert_floor(clients: int, seconds: float, article: int, author: int) -> int:
    stop = threading.Event()
    counts = [0] * clients

    def insert(slot: int) -> None:
        rng = random.Random(slot)
        with psycopg.connect(URL, autocommit=True, options="-c jit=off") as conn:
            while not stop.is_set():
                start = rng.randrange(0, len(BODY) - 40)
                conn.execute(
                    INSERT,
                    [
                        article,
                        author,
                        start,
                        start + 30,
                        BODY[start : start + 30],
                        BODY[max(0, start - 32) : start],
                        BODY[start + 30 : start + 62],
                        article,
                    ],
                )
                counts[slot] += 1

    threads = [threading.Thread(target=insert, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts)


def report(title: str, stats, seconds: float) -> None:
    print(f"\n{title}")
    print(f"{'operation':<18}{'requests':>9}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    everything = []
    for kind, samples in sorted(stats.items()):
        times = sorted(t for t, _ in samples)
        everything += samples
        errors = sum(1 for _, ok in samples if not ok)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"{kind:<18}{len(samples):9d}{len(samples) / seconds:8.1f}"
            f"{statistics.median(times) * 1000:9.0f}{p99 * 1000:9.0f}{errors:8d}"
        )
    times = sorted(t for t, _ in everything)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(
        f"{'all':<18}{len(everything):9d}{len(everything) / seconds:8.1f}"
        f"{statistics.median(times) * 1000:9.0f}{p99 * 1000:9.0f}"
        f"{sum(1 for _, ok in everything if not ok):8d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--floor-seconds", type=float, default=20)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between an editor's actions (s)"
    )
    args = parser.parse_args()
    prepare(args.editors)
    with psycopg.connect(URL) as conn:
        articles = [row[0] for row in conn.execute("SELECT id FROM annotations_article")]
        author = conn.execute("SELECT id FROM auth_user LIMIT 1").fetchone()[0]
    port = server.free_port()
    # As production runs: the shared cache (the write throttle) in Redis, REDIS_URL.
    redis_url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/3")
    process = server.start(URL, port, API_WRITE_THROTTLE="100000/minute", REDIS_URL=redis_url)
    base = f"http://127.0.0.1:{port}"
    try:
        mixed = run_editors(base, args.editors, args.seconds, articles, think=args.think)
        creates = run_editors(base, args.editors, args.floor_seconds, articles, create_only=True)
    finally:
        server.stop(process)
    inserts = insert_floor(args.editors, args.floor_seconds, articles[0], author)
    title = f"{args.editors} editors, mixed work, {args.seconds:.0f} s, think {args.think} s"
    report(title, mixed, args.seconds)
    report(
        f"{args.editors} clients creating only, {args.floor_seconds:.0f} s",
        creates,
        args.floor_seconds,
    )
    api_rate = sum(1 for _, ok in creates["create"] if ok) / args.floor_seconds
    floor_rate = inserts / args.floor_seconds
    print(
        f"\ncreate floor: the same INSERT through psycopg from {args.editors} clients: "
        f"{floor_rate:.0f}/s; API creates {api_rate:.0f}/s; ratio {api_rate / floor_rate:.2f}"
    )


if __name__ == "__main__":
    main()
