"""A project's agreement from its double-annotated articles (annotations/measuring.py): what
is measured, that it matches the measures themselves, and that only changed articles are
measured again."""

import pytest

from annotations.agreement import measures as agreement
from annotations.agreement import measuring
from annotations.choices import AssignmentState, Label
from annotations.models import Annotation, ArticleAgreement, Assignment, Project
from tests import factories

pytestmark = pytest.mark.django_db

BODY = "McCaul stated the bridge opened in May. Officials denied it on Tuesday in Tromsø."


@pytest.fixture
def study():
    project = Project.objects.create(name="Study", slug="study", annotators_per_article=2)
    ann = factories.annotator(project, username="ann")
    bob = factories.annotator(project, username="bob")
    articles = []
    for n in range(3):
        article = factories.ArticleFactory(project=project, body=BODY, title=f"Story {n}")
        for person in (ann, bob):
            Assignment.objects.create(article=article, annotator=person, state=AssignmentState.DONE)
        articles.append(article)

    def span(article, author, text, label=Label.CLAIM, shift=0):
        start = BODY.index(text) + shift
        return factories.AnnotationFactory(
            article=article, author=author, label=label, start=start, length=len(text) - shift
        )

    # Story 0: full agreement. Story 1: bob's claim starts two characters later; he missed the
    # denial. Story 2: bob is still working on it (not measured).
    for a in (ann, bob):
        said = span(articles[0], a, "McCaul stated", Label.ATTRIBUTION)
        claim = span(articles[0], a, "the bridge opened in May")
        said.outgoing_links.create(target=claim, kind="attributes",
                                   source_label=said.label, target_label=claim.label)  # fmt: skip
    span(articles[1], ann, "the bridge opened in May")
    span(articles[1], bob, "the bridge opened in May", shift=2)
    span(articles[1], ann, "Officials denied it", Label.DENIAL)
    Assignment.objects.filter(article=articles[2], annotator=bob).update(
        state=AssignmentState.IN_PROGRESS
    )
    return project, articles, ann, bob


def test_the_project_summary_adds_up_the_articles(study):
    project = study[0]
    result = measuring.summary(project)
    assert result["articles"] == 2  # story 2 is not done by both
    claims = {
        "ann": [(BODY.index("the bridge"), BODY.index("the bridge") + 24)],
        "bob": [(BODY.index("the bridge") + 2, BODY.index("the bridge") + 24)],
    }
    one = agreement.alpha_parts({"ann": claims["ann"], "bob": claims["ann"]}, len(BODY))
    two = agreement.alpha_parts(claims, len(BODY))
    assert result["labels"]["claim"]["alpha"] == pytest.approx(agreement.alpha_from(one + two))
    assert result["labels"]["attribution"]["alpha"] == 1.0
    assert result["labels"]["denial"]["alpha"] is not None  # only ann found the denial
    assert result["labels"]["denial"]["alpha"] <= 0
    pair = result["pairs"]["ann|bob"]
    assert (pair["exact"]["matched"], pair["overlap"]["matched"]) == (2, 3)
    assert pair["links"]["f1"] == 1.0
    assert [row["title"] for row in result["lowest"]] == ["Story 1", "Story 0"]


def test_only_changed_articles_are_measured_again(study):
    project, articles, ann, bob = study
    assert measuring.refresh(project) == (2, 0)
    assert measuring.refresh(project) == (0, 2)
    moved = Annotation.objects.filter(article=articles[1], author=bob).first()
    start = moved.start - 2
    Annotation.objects.filter(pk=moved.pk).update(
        start=start, quote=BODY[start : moved.end], version=moved.version + 1
    )
    assert measuring.refresh(project) == (1, 1)
    stored = ArticleAgreement.objects.get(article=articles[1])
    assert stored.results["pairs"]["ann|bob"]["exact"][0] == 1  # now exactly the same claim
    Assignment.objects.filter(article=articles[2]).update(state=AssignmentState.DONE)
    assert measuring.refresh(project) == (1, 2)  # story 2 joins
    Assignment.objects.filter(article=articles[0], annotator=ann).update(
        state=AssignmentState.IN_PROGRESS
    )
    measuring.refresh(project)
    assert not ArticleAgreement.objects.filter(article=articles[0]).exists()  # reopened: out


def test_who_sees_it_through_the_api_and_admin(study, client_for, client):
    project, _, ann, _ = study
    reviewer = factories.reviewer(project, username="rev")
    outsider = factories.reviewer(username="elsewhere")  # reviews another project
    url = f"/api/v1/projects/{project.slug}/agreement/"
    assert client_for(ann).get(url).status_code == 403  # annotators may work blind
    assert client_for(outsider).get(url).status_code == 404
    body = client_for(reviewer).get(url).json()
    assert body["articles"] == 2 and body["pairs"]["ann|bob"]["overlap"]["matched"] == 3
    client.force_login(reviewer)
    page = client.get(f"/admin/annotations/project/{project.pk}/agreement/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Story 1" in html
    download = client.get(f"/admin/annotations/project/{project.pk}/agreement/", {"csv": 1})
    lines = download.content.decode().splitlines()
    assert lines[0].startswith("article,title,annotators,f1_overlap")
    assert [line.split(",")[1] for line in lines[1:]] == ["Story 1", "Story 0"]
    client.force_login(outsider)
    assert client.get(f"/admin/annotations/project/{project.pk}/agreement/").status_code in (
        403,
        404,
    )


def test_an_unassigned_annotators_spans_are_not_measured(study):
    project, articles, _ann, _bob = study
    passer_by = factories.annotator(project, username="cat")
    factories.AnnotationFactory(article=articles[0], author=passer_by, start=0, length=6)
    result = measuring.summary(project)
    assert list(result["pairs"]) == ["ann|bob"] and result["articles"] == 2


def test_many_articles_are_measured_on_every_core_with_the_same_results(study, monkeypatch):
    project, _articles, _ann, _bob = study
    measuring.refresh(project)
    alone = dict(ArticleAgreement.objects.values_list("article_id", "results"))
    ArticleAgreement.objects.all().delete()
    monkeypatch.setattr(measuring, "PARALLEL_FROM", 1)  # two articles: spawn the processes
    monkeypatch.setattr(measuring.os, "cpu_count", lambda: 2)
    assert measuring.refresh(project) == (2, 0)
    assert dict(ArticleAgreement.objects.values_list("article_id", "results")) == alone


def test_a_page_view_after_nothing_changed_reads_no_stored_results(study):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project, articles, _ann, bob = study
    first = measuring.summary(project)
    with CaptureQueriesContext(connection) as queries:
        again = measuring.summary(project)
    assert again == first
    assert not any("results" in q["sql"] for q in queries.captured_queries)
    moved = Annotation.objects.filter(article=articles[1], author=bob).first()
    Annotation.objects.filter(pk=moved.pk).update(version=moved.version + 1)
    with CaptureQueriesContext(connection) as queries:
        assert measuring.summary(project)["articles"] == 2
    assert any("results" in q["sql"] for q in queries.captured_queries)  # summed again
