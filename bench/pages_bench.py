"""Time the pages that list annotations against the benchmark database (make bench fills it).

Usage: python bench/pages_bench.py   (BENCH_DATABASE_URL as for export_bench.py)
Prints, for each page, the median wall time over a few requests and the number of SQL queries.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "DATABASE_URL",
    os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workbench_bench"),
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotations.choices import Role  # noqa: E402
from annotations.models import Annotation, Membership, Project  # noqa: E402

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
    ("review queue, search", "/admin/annotations/reviewqueue/?q=minister"),
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
    for name, url, *who in PAGES:
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
