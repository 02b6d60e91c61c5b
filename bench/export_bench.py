"""Export benchmark: JSONL, CSV and W3C over HTTP from the production server, against COPY.

Usage: python bench/export_bench.py [--rows N] [--w3c-pages P]
Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/workbench_bench);
the database is created, migrated and filled with N synthetic annotations (default 1,000,000,
with evidence and links) unless it already holds exactly N. Prints the timings, the ratios to
COPY and the serving processes' peak memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import server

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workbench_bench")
PYTHON = sys.executable


def ensure_database() -> None:
    name = URL.rsplit("/", 1)[1]
    admin_url = URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": URL}
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


LOAD_SQL = """
TRUNCATE annotations_reviewevent, annotations_annotationlink, annotations_evidencelink,
         annotations_evidence, annotations_annotation, annotations_articlerevision,
         annotations_article,
         annotations_historicalannotation, annotations_historicalarticle,
         annotations_historicalevidence, annotations_assignment, annotations_membership,
         annotations_project, annotations_historicalproject, authtoken_token,
         auth_user_groups, auth_user
         RESTART IDENTITY CASCADE;
-- 100 projects; the export user reviews and exports in all of them.
INSERT INTO annotations_project (name, slug, description, guidelines, annotators_per_article,
                                 blind, review_required, created_at)
SELECT 'Desk ' || g, 'desk-' || g, '', '', 1, false, true, now()
FROM generate_series(1, 100) g;
INSERT INTO auth_user (username, password, is_superuser, is_staff, is_active, first_name,
                       last_name, email, date_joined)
SELECT 'bench' || g, '!', false, g = 0, true, '', '', '', now() FROM generate_series(0, 10) g;
INSERT INTO annotations_membership (project_id, user_id, role, created_at)
SELECT p, u.id, r, now()
FROM generate_series(1, 100) p, auth_user u, unnest(ARRAY['reviewer', 'exporter']) r
WHERE u.username = 'bench0'
UNION ALL
SELECT p, u.id, 'annotator', now()
FROM generate_series(1, 100) p, auth_user u WHERE u.username <> 'bench0';
INSERT INTO authtoken_token (key, user_id, created)
SELECT 'benchbenchbenchbenchbenchbenchbenchbench', id, now()
FROM auth_user WHERE username = 'bench0';
-- 1,000 annotations per article; bodies of about 2,000 characters with non-ASCII text.
-- Bodies of 30 sentences drawn from 40 (so words are common, rare or unique to one article,
-- as in a real desk's archive, for the search benchmark), with an article's own reference word.
INSERT INTO annotations_article (project_id, title, publisher, byline, source_url, body,
                                 body_hash, revision, created_at, updated_at)
SELECT 1 + g % 100, 'Article ' || g || ' on ' || w.words[1 + g % 40], 'Publisher ' || (g % 20),
       'Zoë Ångström', 'https://news.example/' || g,
       (SELECT string_agg('The ' || w.words[1 + (g * 7 + i * 13) % 40]
                          || ' minister said “costs rose 12%” in Tromsø; officials denied it.',
                          ' ' ORDER BY i)
        FROM generate_series(1, 30) i) || ' Ref' || g || '.',
       md5(g::text), 1, now(), now()
FROM generate_series(1, :articles) g,
     (SELECT ARRAY['health', 'finance', 'energy', 'defence', 'transport', 'housing', 'water',
                   'farming', 'fishing', 'mining', 'science', 'culture', 'sports', 'tourism',
                   'trade', 'labour', 'justice', 'police', 'prisons', 'schools', 'pensions',
                   'tax', 'budget', 'climate', 'forestry', 'railway', 'harbour', 'airport',
                   'digital', 'postal', 'border', 'customs', 'census', 'election', 'foreign',
                   'interior', 'veterans', 'youth', 'family', 'heritage'] AS words) w;
INSERT INTO annotations_articlerevision (article_id, number, body, body_hash, note, created_at,
                                         mapped, found, proposed, orphaned)
SELECT id, 1, body, body_hash, '', created_at, 0, 0, 0, 0 FROM annotations_article;
INSERT INTO annotations_annotation (project_id, article_id, author_id, label, start, "end",
    quote, prefix, suffix, note, status, reviewer_id, review_note, reviewed_at, submitted_at,
    created_at, updated_at, version, anchor, revision)
SELECT b.project_id, 1 + (g - 1) / 1000, 2 + g % 9,
       (ARRAY['claim', 'denial', 'attribution'])[1 + g % 3],
       s, s + 40, substr(b.body, s + 1, 40), substr(b.body, greatest(1, s - 31), least(s, 32)),
       substr(b.body, s + 41, 32),
       CASE WHEN g % 7 = 0 THEN 'Check the figure, "again", ref ' || (g % 5000) ELSE '' END,
       CASE WHEN g % 10 = 0 THEN 'submitted' ELSE 'approved' END,
       CASE WHEN g % 10 = 0 THEN NULL ELSE 1 END, '', now(), now(), now(), now(), 2,
       'anchored', 1
FROM generate_series(1, :rows) g,
     LATERAL (SELECT (g * 37) % 1900 AS s) o,
     LATERAL (SELECT body, project_id FROM annotations_article
              WHERE id = 1 + (g - 1) / 1000) b;
-- Evidence e belongs to project 1 + (e - 1) % 100; each annotation cites its own project's.
INSERT INTO annotations_evidence (project_id, url, title, publisher, excerpt, created_at)
SELECT 1 + (g - 1) % 100, 'https://data.example/source/' || g, 'Source ' || g,
       'Statistics Office', '', now()
FROM generate_series(1, 10000) g;
INSERT INTO annotations_evidencelink (annotation_id, evidence_id, stance, note, created_at)
SELECT a.id, a.project_id + 100 * (a.id % 100),
       (ARRAY['supports', 'refutes', 'context'])[1 + a.id % 3], '', now()
FROM annotations_annotation a WHERE a.id % 2 = 0;
-- Attribution g -> denial g - 1, both labels copied (the shape the database allows).
INSERT INTO annotations_annotationlink (source_id, target_id, kind, source_label, target_label,
                                        created_at)
SELECT g, g - 1, 'attributes', 'attribution', 'denial', now()
FROM generate_series(2, :rows) g WHERE g % 3 = 2;
-- Each article is assigned to one annotator: My work holds ~110 assignments per annotator.
INSERT INTO annotations_assignment (article_id, annotator_id, state, due_on, created_at)
SELECT a.id, 2 + a.id % 9, (ARRAY['todo', 'in_progress', 'done'])[1 + a.id % 3],
       current_date + (a.id % 30)::int, now()
FROM annotations_article a;
ANALYZE;
"""


def load(rows: int) -> None:
    with psycopg.connect(URL, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM annotations_annotation").fetchone()[0]
        if have == rows:
            print(f"database already holds {rows:,} annotations")
            return
        started = time.perf_counter()
        articles = (rows + 999) // 1000
        conn.execute(LOAD_SQL.replace(":rows", str(rows)).replace(":articles", str(articles)))
        # The worker folds the tally's million +1 rows in service; here, before measuring.
        env = {**os.environ, "DATABASE_URL": URL}
        fold = "from annotations import tallying; tallying.compact()"
        subprocess.run([PYTHON, "manage.py", "shell", "-c", fold], cwd=ROOT, env=env, check=True)
        print(f"loaded {rows:,} annotations in {time.perf_counter() - started:.1f} s")


def copy_seconds(select: str) -> tuple[float, int]:
    with psycopg.connect(URL, options="-c jit=off") as conn, conn.cursor() as cur:
        started = time.perf_counter()
        size = 0
        with cur.copy(f"COPY ({select}) TO STDOUT") as copy:
            for block in copy:
                size += len(block)
        return time.perf_counter() - started, size


def fetch(url: str) -> tuple[float, float, int]:
    """Return seconds to the first byte, seconds in all, and bytes."""
    request = urllib.request.Request(url, headers={"Authorization": "Token " + "bench" * 8})
    started = time.perf_counter()
    first = None
    size = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        while block := response.read(65536):
            first = first or time.perf_counter() - started
            size += len(block)
    return first or 0.0, time.perf_counter() - started, size


def peak_rss_mb(root_pid: int) -> float:
    """Highest peak RSS (VmHWM) among the server's processes."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) in (root_pid,) or status.parent.name == str(
            root_pid
        ):
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
    return peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--w3c-pages", type=int, default=20)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    os.environ["DATABASE_URL"] = URL
    import django

    django.setup()
    from annotations.export import postgres

    ensure_database()
    load(args.rows)
    approved = (
        "SELECT id, article_id, {} AS piece FROM annotations_annotation WHERE status = 'approved'"
    )
    floor = {
        "jsonl": copy_seconds(postgres.jsonl_select(approved.format("export_members"))),
        "csv": copy_seconds(postgres.csv_select(approved.format("export_csv"))),
    }
    # The model's own columns: not the search documents nor the export's pieces (0020, 0026),
    # which would make the floor slower than the rows it stands for.
    from annotations.models import Annotation

    columns = ", ".join(f'a."{field.column}"' for field in Annotation._meta.concrete_fields)
    plain = copy_seconds(
        f"SELECT {columns}, ar.title FROM annotations_annotation a "
        "JOIN annotations_article ar ON ar.id = a.article_id WHERE a.status = 'approved'"
    )

    port = server.free_port()
    process = server.start(URL, port)
    try:
        base = f"http://127.0.0.1:{port}/api/v1/export/annotations/"
        results = {}
        for fmt in ("jsonl", "csv"):
            results[fmt] = fetch(f"{base}?format={fmt}")
        pages = []
        url = f"{base}?format=w3c&page_size=1000&after=0"
        w3c_rows = 0
        for _ in range(args.w3c_pages):
            _, seconds, size = fetch(url)
            pages.append(seconds)
            import json

            request = urllib.request.Request(url, headers={"Authorization": "Token " + "bench" * 8})
            with urllib.request.urlopen(request) as response:
                page = json.load(response)
            w3c_rows += len(page["items"])
            if "next" not in page:
                break
            url = page["next"]
        gunicorn_pids = [
            int(p.parent.name)
            for p in Path("/proc").glob("[0-9]*/cmdline")
            if b"gunicorn" in p.read_bytes() and b"workbench.wsgi" in p.read_bytes()
        ]
        memory = max((peak_rss_mb(pid) for pid in gunicorn_pids), default=0.0)
    finally:
        server.stop(process)

    print()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"rows exported (approved): {int(args.rows * 0.9):,}")
    print(f"plain COPY of the joined rows: {plain[0]:.2f} s, {plain[1] / 1e6:.0f} MB")
    print("format  COPY floor   HTTP total   first byte   ratio   MB")
    for fmt in ("jsonl", "csv"):
        first, total, size = results[fmt]
        print(
            f"{fmt:<7} {floor[fmt][0]:9.2f} s {total:10.2f} s {first:10.3f} s "
            f"{total / floor[fmt][0]:6.2f}x {size / 1e6:6.0f}"
        )
    if pages:
        print(
            f"w3c     {len(pages)} pages of 1000: median {sorted(pages)[len(pages) // 2]:.3f} s "
            f"per page, {w3c_rows / sum(pages):,.0f} annotations/s"
        )
    print(f"peak RSS of the serving processes: {memory:.0f} MB")


if __name__ == "__main__":
    main()
