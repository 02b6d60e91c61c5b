"""Every list runs the same number of queries for a few rows as for many."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotations.choices import Status
from annotations.models import Assignment, Project
from tests.factories import AnnotationFactory, ArticleFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LISTS = [
    "/admin/annotations/annotation/",
    "/admin/annotations/article/",
    "/admin/annotations/evidence/",
    "/admin/annotations/reviewqueue/",
    "/admin/annotations/project/",
    "/admin/annotations/assignment/",
]


def grow(author, rows: int) -> None:
    for n in range(rows):
        article = ArticleFactory()
        Assignment.objects.create(article=article, annotator=author)
        Project.objects.create(name=f"Desk {Project.objects.count()}", slug=f"desk-{n}-{rows}")
        annotation = AnnotationFactory(article=article, author=author, status=Status.SUBMITTED)
        annotation.evidence_links.create(evidence=EvidenceFactory(), stance="supports")
        if n % 2:
            other = AnnotationFactory(article=article, author=author, start=20, label="attribution")
            other.outgoing_links.create(target=annotation, kind="attributes")


def count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ADMIN_LISTS)
def test_admin_lists_do_not_query_per_row(url, annotator):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    grow(annotator, 2)
    few = count(client, url)
    grow(annotator, 20)
    assert count(client, url) == few


def test_the_evidence_list_does_not_query_per_row(annotator):
    client = APIClient()
    client.force_authenticate(annotator)
    grow(annotator, 2)
    few = count(client, "/api/v1/evidence/")
    grow(annotator, 20)
    assert count(client, "/api/v1/evidence/") == few


def test_my_work_and_the_api_lists_of_projects_and_assignments_do_not_query_per_row(annotator):
    client = APIClient()
    client.force_authenticate(annotator)
    page = Client()
    page.force_login(annotator)
    grow(annotator, 2)
    few = [count(client, "/api/v1/assignments/"), count(client, "/api/v1/projects/")]
    few_pages = count(page, "/work/")
    grow(annotator, 20)
    assert [count(client, "/api/v1/assignments/"), count(client, "/api/v1/projects/")] == few
    assert count(page, "/work/") == few_pages
