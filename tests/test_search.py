"""Full-text search (annotations/searching.py) from the article list, the review queue, admin
and the API: what matches, in what order, with what snippet, and that the index is used."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from annotations.choices import Stance, Status
from annotations.models import Annotation, Article, EvidenceLink
from annotations.review import workflow
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def titles(queryset) -> list[str]:
    return [a.title for a in queryset]


@pytest.fixture
def desk(annotator):
    project = factories.default_project()
    bridge = factories.ArticleFactory(
        title="Bridge opening delayed",
        body="The mayor said the bridges would open in May. Officials denied it.",
    )
    budget = factories.ArticleFactory(
        title="Council budget",
        body="According to the council, the budget grew by 12%. The bridge is not mentioned.",
    )
    other = factories.ArticleFactory(title="Harbour fees", body="Fees at the harbour rose.")
    return project, bridge, budget, other


def test_prefix_match_phrase_or_and_exclusion(desk):
    _, bridge, budget, other = desk
    articles = Article.objects.all()
    # "bridge" finds "bridges" (prefix) and the title match ranks above a mention in the body.
    assert titles(articles.search("bridge").order_by("-search_rank")) == [
        bridge.title,
        budget.title,
    ]
    assert titles(articles.search('"officials denied"')) == [bridge.title]
    assert titles(articles.search('"denied officials"')) == []
    assert set(titles(articles.search("harbour or budget"))) == {budget.title, other.title}
    assert titles(articles.search("bridge -budget")) == [bridge.title]


@pytest.mark.parametrize(
    "words",
    ["-", '""', "or", "'", "&|!:*()", "a:* & b", "o'brien", "x\\y", "«»", "🙂", "<->", "'''"],
)
def test_odd_input_finds_or_refuses_nothing_without_an_error(desk, words):
    with transaction.atomic():
        list(Article.objects.search(words))
        list(Annotation.objects.search(words))


def test_annotations_by_quote_note_and_evidence_title(desk, annotator):
    _, bridge, budget, _ = desk
    by_quote = factories.AnnotationFactory(article=bridge, author=annotator, start=4, length=5)
    by_note = factories.AnnotationFactory(article=budget, author=annotator, note="Check tunnels")
    by_evidence = factories.AnnotationFactory(article=budget, author=annotator, start=20)
    source = factories.EvidenceFactory(title="Transport ministry timetable")
    EvidenceLink.objects.create(annotation=by_evidence, evidence=source, stance=Stance.CONTEXT)
    annotations = Annotation.objects.all()
    assert list(annotations.search("mayor")) == [by_quote]
    assert list(annotations.search("tunnel")) == [by_note]
    assert list(annotations.search("timetable")) == [by_evidence]


def test_annotation_search_keeps_visibility(desk, annotator, other_annotator):
    _, bridge, _, _ = desk
    mine = factories.AnnotationFactory(article=bridge, author=annotator, note="secret draft")
    assert list(Annotation.objects.visible_to(other_annotator).search("secret")) == []
    assert list(Annotation.objects.visible_to(annotator).search("secret")) == [mine]


def test_snippet_marks_the_words_and_escapes_the_text(desk, client):
    user = factories.annotator(username="reader")
    factories.ArticleFactory(
        title="Scripted", body="Tom & Jerry <img src=x onerror=alert(1)> saw the tunnel budget."
    )
    client.force_login(user)
    page = client.get("/", {"search": "tunnel"}).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "the <mark>tunnel</mark> budget" in page
    assert "<img" not in page


def test_queries_use_the_indexes(desk, annotator):
    """The GIN indexes of migration 0020 serve the searches (forced: the tables are tiny)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for queryset, index in [
            (Article.objects.search("bridge"), "annotations_article_search"),
            (Annotation.objects.search("bridge"), "annotations_annotation_search"),
            (Annotation.objects.search("bridge"), "annotations_evidence_search"),
        ]:
            assert index in queryset.explain()


def test_a_body_of_two_million_distinct_words_still_saves(desk):
    words = " ".join(f"w{n:x}" for n in range(300_000))[:2_000_000]
    article = factories.ArticleFactory(title="Huge", body=words)
    assert list(Article.objects.search("huge")) == [article]
    assert list(Article.objects.search("w1f")) == [article]  # early in the body: indexed


def test_article_list_shows_ranked_articles_and_matching_annotations(desk, client, annotator):
    _, bridge, budget, _ = desk
    noted = factories.AnnotationFactory(
        article=budget, author=annotator, note="The bridge figure needs a source"
    )
    workflow.perform("submit", annotation=noted, user=annotator)
    client.force_login(annotator)
    page = client.get("/", {"search": "bridge"}).content.decode()
    assert page.index(bridge.title) < page.index(budget.title)
    assert f"/articles/{budget.pk}/#annotation-{noted.pk}" in page
    assert "needs a source" in page and "<mark>bridge</mark>" in page


def test_review_queue_and_admin_search(desk, client, annotator):
    _, bridge, budget, _ = desk
    reviewer = factories.reviewer(username="rev")
    waiting = factories.AnnotationFactory(article=bridge, author=annotator, note="tunnel figure")
    other = factories.AnnotationFactory(article=budget, author=annotator, start=20)
    for annotation in (waiting, other):
        workflow.perform("submit", annotation=annotation, user=annotator)
    client.force_login(reviewer)
    queue = client.get("/admin/annotations/reviewqueue/", {"q": "tunnel"})
    assert queue.status_code == 200
    assert list(queue.context["cl"].result_list) == [waiting]
    articles = client.get("/admin/annotations/article/", {"q": "officials"})
    assert list(articles.context["cl"].result_list) == [bridge]


def test_api_search(desk, client_for, annotator):
    _, bridge, budget, _ = desk
    noted = factories.AnnotationFactory(article=budget, author=annotator, note="tunnel figure")
    api = client_for(annotator)
    found = api.get("/api/v1/articles/", {"search": "bridge"}).json()["results"]
    assert [a["title"] for a in found] == [bridge.title, budget.title]
    assert "<mark>bridges</mark>" in found[0]["snippet"]
    assert api.get("/api/v1/articles/").json()["results"][0]["snippet"] is None
    rows = api.get("/api/v1/annotations/", {"search": "tunnel"}).json()["results"]
    assert [r["id"] for r in rows] == [noted.pk]
    assert noted.status == Status.DRAFT  # the author's own draft is found by the author
