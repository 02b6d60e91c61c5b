"""Races on PostgreSQL with real threads and connections: rules hold and nothing answers 500."""

import pytest
from django.db import IntegrityError, connection, transaction

from annotations.choices import Label, Status
from annotations.models import Annotation, AnnotationLink, Evidence, EvidenceLink
from annotations.spans.linking import LINK_SHAPES
from tests.factories import AnnotationFactory, ArticleFactory, annotator
from tests.test_concurrency import client_for, in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def stored_link_shapes():
    return {
        (link.source.label, link.target.label)
        for link in AnnotationLink.objects.select_related("source", "target")
    }


def test_a_link_and_a_label_change_racing_never_store_a_forbidden_link():
    author = annotator(username="author")
    article = ArticleFactory(body="word " * 400)
    codes = []
    for n in range(25):
        source = AnnotationFactory(
            article=article, author=author, label=Label.ATTRIBUTION, start=8 * n
        )
        target = AnnotationFactory(
            article=article, author=author, label=Label.CLAIM, start=8 * n + 2
        )
        link, relabel = in_parallel(
            lambda s=source, t=target: client_for(author).post(
                f"/api/v1/annotations/{s.pk}/links/", {"target": t.pk}, format="json"
            ),
            lambda t=target: client_for(author).patch(
                f"/api/v1/annotations/{t.pk}/", {"label": "attribution"}, format="json"
            ),
        )
        codes += [link.status_code, relabel.status_code]
        assert sorted([link.status_code, relabel.status_code]) in ([200, 400], [201, 400]), (
            link.content,
            relabel.content,
        )
    assert 500 not in codes
    assert stored_link_shapes() <= set(LINK_SHAPES)


def test_the_database_itself_refuses_a_forbidden_link_shape():
    author = annotator(username="author")
    article = ArticleFactory()
    attribution = AnnotationFactory(article=article, author=author, label=Label.ATTRIBUTION)
    claim = AnnotationFactory(article=article, author=author, label=Label.CLAIM, start=5)
    other = AnnotationFactory(article=article, author=author, label=Label.ATTRIBUTION, start=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnotationLink.objects.create(source=attribution, target=other, kind="attributes")
    AnnotationLink.objects.create(source=attribution, target=claim, kind="attributes")
    # A label change behind every service's back reaches the link and is refused there.
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=claim.pk).update(label=Label.ATTRIBUTION)
    assert Annotation.objects.get(pk=claim.pk).label == Label.CLAIM


def test_mixed_writes_on_one_article_never_deadlock_into_a_500():
    author = annotator(username="author")
    article = ArticleFactory(body="word " * 400)
    claims = [
        AnnotationFactory(article=article, author=author, label=Label.CLAIM, start=10 * n)
        for n in range(10)
    ]
    attributions = [
        AnnotationFactory(article=article, author=author, label=Label.ATTRIBUTION, start=10 * n + 5)
        for n in range(10)
    ]
    calls = []
    for n in range(10):
        a, c = attributions[n], claims[n]
        nxt = claims[(n + 1) % 10]
        calls += [
            lambda a=a, c=c: client_for(author).post(
                f"/api/v1/annotations/{a.pk}/links/", {"target": c.pk}, format="json"
            ),
            lambda a=a, c=nxt: client_for(author).post(
                f"/api/v1/annotations/{a.pk}/links/", {"target": c.pk}, format="json"
            ),
            lambda c=c: client_for(author).patch(
                f"/api/v1/annotations/{c.pk}/", {"note": "checked"}, format="json"
            ),
            lambda c=c: client_for(author).post(
                f"/api/v1/annotations/{c.pk}/evidence/",
                {"url": "https://example.org/report", "title": "Report", "stance": "supports"},
                format="json",
            ),
            lambda c=nxt: client_for(author).post(f"/api/v1/annotations/{c.pk}/submit/", {}),
        ]
    results = in_parallel(*calls)
    codes = [r.status_code for r in results]
    assert all(code < 500 for code in codes), [(r.status_code, r.content[:120]) for r in results]
    assert stored_link_shapes() <= set(LINK_SHAPES)
    assert Evidence.objects.filter(url="https://example.org/report").count() == 1


def test_the_same_new_source_attached_at_once_is_stored_once():
    author = annotator(username="author")
    article = ArticleFactory(body="word " * 100)
    annotation = AnnotationFactory(article=article, author=author)
    others = [AnnotationFactory(article=article, author=author, start=5 * n + 5) for n in range(5)]
    payload = {"url": "https://Example.org:443/story", "title": "Story", "stance": "refutes"}

    def attach(target):
        return lambda: client_for(author).post(
            f"/api/v1/annotations/{target.pk}/evidence/", payload, format="json"
        )

    results = in_parallel(*[attach(annotation) for _ in range(10)], *[attach(o) for o in others])
    assert {r.status_code for r in results} == {201}, [r.content[:200] for r in results]
    (evidence,) = Evidence.objects.all()
    assert evidence.url == "https://example.org/story"
    assert EvidenceLink.objects.filter(annotation=annotation).count() == 1
    assert EvidenceLink.objects.count() == 6
    assert (
        len(client_for(author).get(f"/api/v1/annotations/{annotation.pk}/").json()["evidence"]) == 1
    )


def test_a_create_whose_history_cannot_be_written_is_not_committed():
    """A fault between the row and its history row (here a trigger that fails the history
    insert as a server shutdown would) leaves neither, and the client is told 503."""
    author = annotator(username="author")
    article = ArticleFactory()
    history = Annotation.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE FUNCTION fail_history() RETURNS trigger AS $$
               BEGIN IF NEW.note = 'fault' THEN
                 RAISE EXCEPTION 'terminating connection' USING ERRCODE = '57P01';
               END IF; RETURN NEW; END $$ LANGUAGE plpgsql"""
        )
        cursor.execute(
            f'CREATE TRIGGER fail_history BEFORE INSERT ON "{history}" '
            "FOR EACH ROW EXECUTE FUNCTION fail_history()"
        )
    try:
        response = client_for(author).post(
            "/api/v1/annotations/",
            {"article": article.pk, "label": "claim", "start": 0, "end": 4, "note": "fault"},
            format="json",
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TRIGGER fail_history ON "{history}"')
            cursor.execute("DROP FUNCTION fail_history()")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["code"] == "unavailable"
    assert not Annotation.objects.filter(note="fault").exists()


def test_a_retried_create_with_its_idempotency_key_is_answered_once():
    author = annotator(username="author")
    article = ArticleFactory(body="word " * 50)
    body = {"article": article.pk, "label": "claim", "start": 0, "end": 4, "quote": "word"}

    def send():
        return client_for(author).post(
            "/api/v1/annotations/", body, format="json", headers={"Idempotency-Key": "k-1"}
        )

    results = in_parallel(*[send for _ in range(6)])
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert sum(r.get("Idempotent-Replayed") == "true" for r in results) == 5
    assert Annotation.objects.count() == 1
    again = send()
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == '"1"'
    different = client_for(author).post(
        "/api/v1/annotations/",
        {**body, "start": 5, "end": 9},
        format="json",
        headers={"Idempotency-Key": "k-1"},
    )
    assert different.status_code == 422
    assert Annotation.objects.count() == 1
    assert Annotation.objects.get().status == Status.DRAFT


def test_concurrent_auto_assigns_make_each_assignment_once():
    from annotations.models import Assignment, Project
    from tests.factories import manager

    project = Project.objects.create(name="Desk", slug="desk", annotators_per_article=2)
    boss = manager(username="boss", project=project)
    for name in ("al", "bo", "cy"):
        annotator(username=name, project=project)
    url = "/api/v1/projects/desk/auto-assign/"
    for round_ in range(1, 4):
        for _ in range(100):
            ArticleFactory(project=project)
        results = in_parallel(*[lambda: client_for(boss).post(url, {}, format="json")] * 4)
        assert {r.status_code for r in results} == {201}, [r.content[:200] for r in results]
        assert sum(len(r.json()) for r in results) == 200
        pairs = list(Assignment.objects.values_list("article_id", "annotator_id"))
        assert len(pairs) == len(set(pairs)) == 200 * round_
