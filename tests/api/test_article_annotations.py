"""An article's annotations read all at once (reading.py): the API's annotation shape without
project and article, the same for every kind of annotation, in a fixed number of queries."""

from __future__ import annotations

import gzip
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from annotations.api.serializers import AnnotationSerializer
from annotations.choices import Anchor, Label, Stance
from annotations.models import Annotation
from annotations.review import workflow
from annotations.spans import editing
from tests import factories

pytestmark = pytest.mark.django_db

BODY = "McCaul stated the bridge opened in May. Officials denied it on Tuesday."


def span(article, author, text, label=Label.CLAIM, **extra):
    start = BODY.index(text)
    return factories.AnnotationFactory(
        article=article, author=author, label=label, start=start, length=len(text), **extra
    )


@pytest.fixture
def busy_article(annotator, other_annotator):
    reviewer = factories.reviewer(username="rev")
    article = factories.ArticleFactory(body=BODY)
    said = span(article, annotator, "McCaul stated", Label.ATTRIBUTION)
    claim = span(article, annotator, "the bridge opened in May", note="Check “May”")
    denial = span(article, other_annotator, "Officials denied it", Label.DENIAL)
    editing.add_link(user=annotator, source=said, target=claim)
    editing.attach_evidence(
        user=annotator,
        annotation=Annotation.objects.get(pk=claim.pk),
        stance=Stance.REFUTES,
        evidence=factories.EvidenceFactory(title="Timetable"),
    )
    workflow.perform("submit", annotation=claim, user=annotator)
    workflow.perform("reject", annotation=Annotation.objects.get(pk=claim.pk), user=reviewer,
                     note="Wrong month")  # fmt: skip
    workflow.perform("submit", annotation=denial, user=other_annotator)
    Annotation.objects.filter(pk=said.pk).update(
        anchor=Anchor.PROPOSED, proposed_start=0, proposed_end=6
    )
    span(article, other_annotator, "on Tuesday")  # another's draft: not shown
    return article, reviewer


@pytest.mark.parametrize("who", ["annotator", "other", "rev"])
def test_the_lean_shape_is_the_serializers_without_project_and_article(
    busy_article, client_for, who
):
    article, _ = busy_article
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=who)
    got = client_for(user).get(f"/api/v1/articles/{article.pk}/annotations/").json()
    request = APIRequestFactory().get("/")
    request.user = user
    visible = Annotation.objects.visible_to(user).filter(article=article)
    expected = [
        {k: v for k, v in row.items() if k not in ("project", "article")}
        for row in AnnotationSerializer(
            visible.with_related().in_text_order(), many=True, context={"request": request}
        ).data
    ]
    assert got == json.loads(json.dumps(expected))
    assert len(got) == visible.count() >= 2
    if who == "annotator":  # sees the lot: evidence, history, a link, a proposed span
        assert any(a["evidence"] and a["history"] for a in got)
        assert any(a["links"] for a in got) and any(a["proposed"] for a in got)


def test_compressed_when_asked_and_worth_it(busy_article, client_for, annotator):
    article, _ = busy_article
    for n in range(40):
        factories.AnnotationFactory(article=article, author=annotator, start=n % 60, length=5)
    client = client_for(annotator)
    url = f"/api/v1/articles/{article.pk}/annotations/"
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert len(packed.content) * 4 < len(plain.content)


def test_queries_do_not_grow_with_the_annotations(busy_article, client_for, annotator):
    article, _ = busy_article
    client = client_for(annotator)
    url = f"/api/v1/articles/{article.pk}/annotations/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        factories.AnnotationFactory(article=article, author=annotator, start=n % 60, length=5)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many) == 5  # the article; the annotations, evidence, links, history


def test_a_create_answers_in_the_serializers_shape(client_for, annotator):
    article = factories.ArticleFactory(body=BODY)
    start = BODY.index("the bridge")
    answer = client_for(annotator).post(
        "/api/v1/annotations/",
        {"article": article.pk, "label": "claim", "start": start, "end": start + 10,
         "quote": "the bridge", "note": "Check “May”"},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 201
    request = APIRequestFactory().get("/")
    request.user = annotator
    stored = Annotation.objects.with_related().get(pk=answer.json()["id"])
    expected = AnnotationSerializer(stored, context={"request": request}).data
    assert answer.json() == json.loads(json.dumps(expected))
    assert answer["ETag"] == f'"{stored.version}"'
