"""Agreement at scale: 10,000 articles, 3 annotators each, ~30 spans per annotator per article.

Usage: python bench/agreement_bench.py [--articles 10000]
Uses AGREEMENT_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/workbench_agreement),
which it creates, migrates and fills once. Times measuring.refresh from scratch (every article
measured), again with nothing changed, and after one article's annotations change.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get(
    "AGREEMENT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workbench_agreement"
)
FILL = """
INSERT INTO annotations_project (name, slug, description, guidelines, annotators_per_article,
                                 blind, review_required, created_at)
VALUES ('Agreement study', 'study', '', '', 3, true, true, now());
INSERT INTO auth_user (username, password, is_superuser, is_staff, is_active, first_name,
                       last_name, email, date_joined)
SELECT 'coder' || g, '!', false, false, true, '', '', '', now() FROM generate_series(1, 3) g;
INSERT INTO annotations_membership (project_id, user_id, role, created_at)
SELECT 1, id, 'annotator', now() FROM auth_user;
INSERT INTO annotations_article (project_id, title, publisher, byline, source_url, body,
                                 body_hash, revision, created_at, updated_at)
SELECT 1, 'Story ' || g, '', '', '', repeat('The minister said costs rose in May; officials '
       || 'denied it on Tuesday. ', 30), md5(g::text), 1, now(), now()
FROM generate_series(1, :articles) g;
INSERT INTO annotations_assignment (article_id, annotator_id, state, created_at)
SELECT a.id, u.id, 'done', now() FROM annotations_article a, auth_user u;
-- Each coder marks 30 spans of 20-40 characters; coders 2 and 3 shift some boundaries, skip
-- some spans and relabel a few, as people do.
INSERT INTO annotations_annotation (project_id, article_id, author_id, label, start, "end",
    quote, prefix, suffix, note, status, review_note, created_at, updated_at, version, anchor,
    revision)
SELECT 1, a.id, u.id,
       CASE WHEN (k + u.id) % 11 = 0 THEN 'denial'
            ELSE (ARRAY['claim', 'denial', 'attribution'])[1 + k % 3] END,
       s.b, s.b + s.l, substr(a.body, s.b + 1, s.l), '', '', '', 'draft', '', now(), now(), 1,
       'anchored', 1
FROM annotations_article a, auth_user u, generate_series(0, 29) k,
     LATERAL (SELECT k * 70 + CASE WHEN (k + u.id) % 4 = 0 THEN u.id ELSE 0 END AS b,
                     20 + (k % 21) AS l) s
WHERE (k + u.id * 7) % 13 <> 0;
ANALYZE;
"""


def prepare(articles: int) -> None:
    name = URL.rsplit("/", 1)[1]
    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": URL}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(URL, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM annotations_article").fetchone()[0]
        if have == articles:
            return
        conn.execute(
            "TRUNCATE annotations_articleagreement, annotations_annotation, "
            "annotations_assignment, annotations_articlerevision, annotations_article, "
            "annotations_membership, annotations_project, auth_user RESTART IDENTITY CASCADE"
        )
        started = time.perf_counter()
        conn.execute(FILL.replace(":articles", str(articles)))
        spans = conn.execute("SELECT count(*) FROM annotations_annotation").fetchone()[0]
        took = time.perf_counter() - started
        print(f"filled {articles:,} articles, {spans:,} spans in {took:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    prepare(args.articles)
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from annotations.agreement import measuring
    from annotations.models import Annotation, ArticleAgreement, Project

    project = Project.objects.get(slug="study")
    ArticleAgreement.objects.all().delete()
    for name in ["from scratch", "nothing changed"]:
        started = time.perf_counter()
        done = measuring.refresh(project)
        print(f"{name:<28} {time.perf_counter() - started:6.2f} s  (measured, kept) = {done}")
    one = Annotation.objects.order_by("pk").first()
    Annotation.objects.filter(pk=one.pk).update(version=one.version + 1)
    started = time.perf_counter()
    done = measuring.refresh(project)
    took = time.perf_counter() - started
    print(f"{'one article changed':<28} {took:6.2f} s  (measured, kept) = {done}")
    started = time.perf_counter()
    report = measuring.summary(project)
    print(f"{'project summary':<28} {time.perf_counter() - started:6.2f} s")
    started = time.perf_counter()
    measuring.summary(project)
    print(f"{'summary again (page view)':<28} {time.perf_counter() - started:6.2f} s")
    for label, row in report["labels"].items():
        print(f"  {label:<12} alpha_U {row['alpha']:.3f}  F1 exact {row['exact']['f1']:.3f}"
              f"  overlap {row['overlap']['f1']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
