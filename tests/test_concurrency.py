"""Real parallel connections on PostgreSQL: no lost update, one review decision, no lost create."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from annotations.choices import Status
from annotations.models import Annotation, ReviewEvent
from tests.factories import AnnotationFactory, ArticleFactory, annotator, reviewer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_parallel(*calls):
    """Run the calls at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_two_edits_of_one_annotation_one_wins_and_nothing_is_lost():
    author = annotator(username="author")
    annotation = AnnotationFactory(author=author)
    url = f"/api/v1/annotations/{annotation.pk}/"

    def edit(note):
        return lambda: client_for(author).patch(
            url, {"note": note}, format="json", headers={"If-Match": '"1"'}
        )

    first, second = in_parallel(edit("from tab one"), edit("from tab two"))
    codes = sorted([first.status_code, second.status_code])
    assert codes == [200, 412]
    winner = first if first.status_code == 200 else second
    annotation.refresh_from_db()
    assert annotation.note == winner.json()["note"]
    assert annotation.version == 2
    assert annotation.history.count() == 2  # created, then the one edit that won


def test_two_reviewers_deciding_at_once_make_one_decision():
    author = annotator(username="author")
    annotation = AnnotationFactory(author=author, status=Status.SUBMITTED)
    base = f"/api/v1/annotations/{annotation.pk}/"
    first, second = in_parallel(
        lambda: client_for(reviewer(username="r1")).post(base + "approve/", {}, format="json"),
        lambda: client_for(reviewer(username="r2")).post(
            base + "reject/", {"note": "No."}, format="json"
        ),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    annotation.refresh_from_db()
    events = list(ReviewEvent.objects.filter(annotation=annotation))
    assert len(events) == 1
    assert events[0].to_status == annotation.status
    assert annotation.version == 2


def test_many_creates_on_one_article_at_once_all_land():
    article = ArticleFactory(body="word " * 200)
    users = [annotator(username=f"editor{n}") for n in range(8)]

    def create_many(user):
        def run():
            client = client_for(user)
            codes = []
            for n in range(6):
                start = 5 * ((users.index(user) * 6 + n) % 200)
                codes.append(
                    client.post(
                        "/api/v1/annotations/",
                        {
                            "article": article.pk,
                            "label": "claim",
                            "start": start,
                            "end": start + 4,
                            "quote": "word",
                        },
                        format="json",
                    ).status_code
                )
            return codes

        return run

    results = in_parallel(*[create_many(user) for user in users])
    assert all(code == 201 for codes in results for code in codes)
    created = Annotation.objects.filter(article=article)
    assert created.count() == 48
    assert {a.author.username for a in created} == {u.username for u in users}
    assert Annotation.history.filter(article_id=article.pk, history_type="+").count() == 48
