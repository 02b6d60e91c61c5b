"""Time the pages that list annotations against the benchmark database (make bench fills it).

Usage: python bench/pages_bench.py [WORD]   (BENCH_DATABASE_URL as for export_bench.py)
WORD: time only the pages whose name holds it (e.g. "search").
Prints, for each page, the median wall time over a few requests and the number of SQL queries.
"""

from __future__ import annotations

import statistics
import sys
import time

import on_bench_database  # noqa: F401  (Django on the benchmark database)
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations.choices import Role
from annotations.models import Annotation, Membership, Project

# (who, name, url): "admin" is a superuser; "reviewer" reviews one project of the hundred;
# "annotator" annotates in all of them and has ~110 assignments.
PAGES = [
    ("review queue", "/admin/annotations/reviewqueue/"),
    ("review queue, reviewer of 1 project of 100", "/admin/annotations/reviewqueue/", "reviewer"),
    ("My work (annotator, ~110 assignments)", "/work/", "annotator"),
    ("API annotation list (annotator in 100 projects)", "/api/v1/annotations/", "annotator"),
    ("API annotation list, one project", "/api/v1/annotations/?project=desk-7"),
    ("review queue, filtered by label", "/admin/annotations/reviewqueue/?label__exact=claim"),
    ("review queue, waiting over a week", "/admin/annotations/reviewqueue/?waiting=older"),
    # Searches: a word in ~1% of annotations, a reference in 29, a phrase, and "minister",
    # which is in 44% of them (the worst case: most of the time goes to counting the matches).
    ("review queue, search (1% match)", "/admin/annotations/reviewqueue/?q=harbour"),
    ("review queue, search (29 match)", "/admin/annotations/reviewqueue/?q=ref+4242"),
    ("review queue, search (phrase)", '/admin/annotations/reviewqueue/?q="officials+denied"+tax'),
    ("review queue, search (44% match)", "/admin/annotations/reviewqueue/?q=minister"),
    ("article list, search (editor)", "/?search=harbour"),
    ("article list, search (annotator in 100 projects)", "/?search=harbour", "annotator"),
    ("API article search", "/api/v1/articles/?search=harbour"),
    ("API annotation search (1% match)", "/api/v1/annotations/?search=harbour"),
    ("API annotation search (29 match)", "/api/v1/annotations/?search=ref+4242"),
    ("all annotations (admin), search", "/admin/annotations/annotation/?q=harbour"),
    ("review page", "/admin/annotations/reviewqueue/{submitted}/change/"),
    ("all annotations (admin)", "/admin/annotations/annotation/"),
    ("articles (admin)", "/admin/annotations/article/"),
    ("article list (editor)", "/"),
    ("article page (editor, 1,000 annotations)", "/articles/1/"),
    ("API annotation list", "/api/v1/annotations/"),
    ("API annotation list, one article", "/api/v1/annotations/?article=7"),
]


def main() -> None:
    User = get_user_model()
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    checker, _ = User.objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True})
    Membership.objects.get_or_create(
        project=Project.objects.order_by("pk").first(), user=checker, role=Role.REVIEWER
    )
    clients = {}
    for who, user in [
        ("admin", admin),
        ("reviewer", checker),
        ("annotator", User.objects.get(username="bench2")),
    ]:
        clients[who] = Client()
        clients[who].force_login(user)
    submitted = Annotation.objects.filter(status="submitted").values_list("pk", flat=True).first()
    total = Annotation.objects.count()
    print(f"{total:,} annotations in the database")
    print(f"{'page':<52} {'median ms':>10} {'queries':>8}")
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, url, *who in PAGES:
        if only not in name:
            continue
        client = clients[who[0] if who else "admin"]
        url = url.format(submitted=submitted)
        client.get(url)
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, HTTP_HOST="127.0.0.1")
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{name:<52} {statistics.median(times):10.0f} {len(queries):8d}")


if __name__ == "__main__":
    main()
