"""One article with 1,000 annotations read in one request, against its floor: the same rows
fetched with plain psycopg and encoded as JSON (the benchmark database: make bench fills it).

Usage: python bench/article_bench.py   (BENCH_DATABASE_URL as for export_bench.py)
Prints the median server time (Django's test client, in process, five runs after a warm-up)
of GET /api/v1/articles/7/annotations/ for a superuser and for an annotator in all 100
projects, the response size plain and gzipped, and the floor; then the export's paged formats
(a json page, a W3C page of the same rows) against the streamed JSONL of those rows.
"""

from __future__ import annotations

import os
import statistics
import time

import on_bench_database  # noqa: F401  (Django on the benchmark database)
import orjson
import psycopg
from django.contrib.auth import get_user_model
from django.test import Client

ARTICLE = 7
FLOOR_SQL = [
    """SELECT a.id, a.label, a.start, a."end", a.quote, a.prefix, a.suffix, a.note, a.status,
              u.username, r.username, a.review_note, a.created_at, a.updated_at,
              a.submitted_at, a.reviewed_at, a.revision, a.version, a.anchor,
              a.proposed_start, a.proposed_end
       FROM annotations_annotation a JOIN auth_user u ON u.id = a.author_id
       LEFT JOIN auth_user r ON r.id = a.reviewer_id
       WHERE a.article_id = %s ORDER BY a.start, a."end" DESC, a.id""",
    """SELECT l.annotation_id, l.evidence_id, e.url, e.title, e.publisher, l.stance, l.note
       FROM annotations_evidencelink l JOIN annotations_evidence e ON e.id = l.evidence_id
       JOIN annotations_annotation a ON a.id = l.annotation_id
       WHERE a.article_id = %s ORDER BY l.created_at, l.id""",
    """SELECT l.source_id, l.kind, l.target_id FROM annotations_annotationlink l
       JOIN annotations_annotation a ON a.id = l.source_id
       WHERE a.article_id = %s ORDER BY l.created_at, l.id""",
    """SELECT e.annotation_id, e.from_status, e.to_status, u.username, e.note, e.created_at
       FROM annotations_reviewevent e JOIN auth_user u ON u.id = e.actor_id
       JOIN annotations_annotation a ON a.id = e.annotation_id
       WHERE a.article_id = %s ORDER BY e.created_at, e.id""",
]


def median_ms(run, times: int = 5) -> float:
    run()
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    users = get_user_model().objects
    admin, _ = users.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    url = f"/api/v1/articles/{ARTICLE}/annotations/"
    for who, user in [
        ("superuser", admin),
        ("annotator in 100 projects", users.get(username="bench2")),
    ]:
        client = Client()
        client.force_login(user)
        response = client.get(url)
        rows = len(response.json())
        plain = len(response.content)
        packed = len(client.get(url, HTTP_ACCEPT_ENCODING="gzip").content)
        ms = median_ms(lambda client=client: client.get(url))
        gz_ms = median_ms(lambda client=client: client.get(url, HTTP_ACCEPT_ENCODING="gzip"))
        print(f"{who:<28} {rows:>5} rows  {ms:6.1f} ms ({gz_ms:.1f} ms gzipped)  "
              f"{plain / 1000:.0f} kB, {packed / 1000:.0f} kB gzipped")  # fmt: skip
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:

        def floor() -> bytes:
            fetched = [conn.execute(sql, [ARTICLE]).fetchall() for sql in FLOOR_SQL]
            return orjson.dumps(fetched, option=orjson.OPT_UTC_Z)

        print(f"{'floor: psycopg + orjson':<28} {'':>5}       {median_ms(floor):6.1f} ms")
    # The paged formats against the streamed one, over the same rows: the article's approved
    # annotations (900), one page of up to 1,000.
    client = Client()
    client.force_login(admin)
    base = f"/api/v1/export/annotations/?article={ARTICLE}"
    jsonl_ms = median_ms(lambda: b"".join(client.get(f"{base}&format=jsonl").streaming_content))
    print(f"{'export, jsonl (streamed)':<28} {'':>5}       {jsonl_ms:6.1f} ms")
    for name in ["json", "w3c"]:
        url = f"{base}&format={name}&after=0&page_size=1000"
        rows = client.get(url).json()
        count = len(rows.get("results") or rows.get("items"))
        ms = median_ms(lambda url=url: client.get(url))
        print(f"{'export, ' + name + ' page':<28} {count:>5} rows  {ms:6.1f} ms "
              f"({ms / jsonl_ms:.1f}x jsonl)")  # fmt: skip


if __name__ == "__main__":
    main()
