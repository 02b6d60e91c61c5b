"""Adjudication (annotations/adjudicating.py and its API): the variants a curator weighs, the
decisions, four eyes, the review workflow it ends in, blind mode, and the exports of both
sets."""

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.agreement import adjudicating, measuring
from annotations.choices import AssignmentState, Label, Origin, Role, Status
from annotations.models import (
    Annotation,
    AnnotationLink,
    Assignment,
    Membership,
    Project,
    ReviewEvent,
)
from tests import factories

pytestmark = pytest.mark.django_db

BODY = (
    "McCaul stated the bridge opened in May. Officials denied it on Tuesday. "
    "The budget grew by 12% last year."
)


def span(article, author, text, label=Label.CLAIM, shift=0):
    start = BODY.index(text) + shift
    return factories.AnnotationFactory(
        article=article,
        author=author,
        label=label,
        start=start,
        length=len(text) - shift,
        status=Status.SUBMITTED,
    )


def link(source, target):
    return AnnotationLink.objects.create(source=source, target=target, kind="attributes")


@pytest.fixture
def study():
    """Two annotators, done: they agree on the attribution and its link to the claim, differ
    on the claim's start, and only ann marked the denial."""
    project = Project.objects.create(
        name="Study", slug="study", annotators_per_article=2, blind=True
    )
    ann = factories.annotator(project, username="ann")
    bob = factories.annotator(project, username="bob")
    curator = factories.reviewer(project, username="carla")
    article = factories.ArticleFactory(project=project, body=BODY, title="Bridge")
    for person in (ann, bob):
        Assignment.objects.create(article=article, annotator=person, state=AssignmentState.DONE)
    spans = {}
    for person in (ann, bob):
        said = span(article, person, "McCaul stated", Label.ATTRIBUTION)
        claim = span(article, person, "the bridge opened in May", shift=0 if person is ann else 4)
        link(said, claim)
        spans[person.username] = {"said": said, "claim": claim}
    spans["ann"]["denial"] = span(article, ann, "Officials denied it", Label.DENIAL)
    return project, article, ann, bob, curator, spans


def test_variants_group_what_each_annotator_drew(study):
    _project, article, *_ = study
    clusters = adjudicating.variants(article)
    assert [
        (c.disputed, [(v.label, v.proposers, v.agreed) for v in c.variants]) for c in clusters
    ] == [
        (False, [("attribution", ["ann", "bob"], True)]),
        (True, [("claim", ["ann"], False), ("claim", ["bob"], False)]),
        (True, [("denial", ["ann"], False)]),
    ]


def test_opening_puts_the_agreed_spans_in_the_set(study):
    _project, article, _ann, _bob, curator, spans = study
    adjudication = adjudicating.open_adjudication(user=curator, article=article)
    (said,) = adjudicating.adjudicated_set(article)
    assert (said.label, said.quote, said.author, said.status) == (
        Label.ATTRIBUTION,
        "McCaul stated",
        curator,
        Status.DRAFT,
    )
    assert said.proposed_by == "ann, bob"
    assert {a.pk for a in said.derived_from.all()} == {
        spans["ann"]["said"].pk,
        spans["bob"]["said"].pk,
    }
    assert adjudicating.open_adjudication(user=curator, article=article) == adjudication
    assert sum(c.open for c in adjudicating.variants(article, adjudication)) == 3


def test_accepting_one_variant_turns_down_its_rivals_and_carries_links(study):
    _project, article, _ann, _bob, curator, spans = study
    adjudication = adjudicating.open_adjudication(user=curator, article=article)
    claim = adjudicating.accept(
        user=curator, adjudication=adjudication, annotations=[spans["bob"]["claim"].pk]
    )
    assert claim.quote == "bridge opened in May"
    decisions = {
        (v.start, v.proposers[0]): v.decision
        for c in adjudicating.variants(article, adjudication)
        for v in c.variants
        if v.label == Label.CLAIM
    }
    assert sorted(decisions.values()) == ["accepted", "rejected"]
    # The annotators linked their attribution to their claim: so is the set.
    said = adjudicating.adjudicated_set(article).get(label=Label.ATTRIBUTION)
    assert list(said.outgoing_links.values_list("target", "kind")) == [(claim.pk, "attributes")]


def test_merge_edit_and_add(study):
    _project, article, _ann, _bob, curator, spans = study
    adjudication = adjudicating.open_adjudication(user=curator, article=article)
    claims = [spans["ann"]["claim"].pk, spans["bob"]["claim"].pk]
    merged = adjudicating.accept(user=curator, adjudication=adjudication, annotations=claims)
    assert (merged.quote, merged.proposed_by) == ("the bridge opened in May", "ann, bob")
    start = BODY.index("Officials")
    edited = adjudicating.accept(
        user=curator,
        adjudication=adjudication,
        annotations=[spans["ann"]["denial"].pk],
        start=start,
        end=start + len("Officials denied it on Tuesday"),
    )
    assert edited.quote == "Officials denied it on Tuesday"
    with pytest.raises(ValidationError) as refused:
        adjudicating.add(
            user=curator, adjudication=adjudication, start=0, end=6, label=Label.CLAIM, quote="nope"
        )
    assert "quote" in refused.value.message_dict
    added = adjudicating.add(
        user=curator,
        adjudication=adjudication,
        start=BODY.index("The budget"),
        end=BODY.index(" last year"),
        label=Label.CLAIM,
    )
    assert (added.proposed_by, added.origin) == ("", Origin.ADJUDICATION)
    with pytest.raises(ValidationError) as refused:
        adjudicating.accept(
            user=curator, adjudication=adjudication, annotations=[spans["ann"]["said"].pk, 10**9]
        )
    assert "annotations" in refused.value.message_dict


def test_finishing_runs_the_set_and_the_proposals_through_review(study):
    _project, article, _ann, _bob, curator, spans = study
    adjudication = adjudicating.open_adjudication(user=curator, article=article)
    adjudicating.accept(
        user=curator, adjudication=adjudication, annotations=[spans["ann"]["claim"].pk]
    )
    with pytest.raises(ValidationError) as refused:
        adjudicating.finish(user=curator, adjudication=adjudication)
    assert "1 variant is still undecided" in str(refused.value)
    adjudicating.reject(
        user=curator, adjudication=adjudication, annotations=[spans["ann"]["denial"].pk]
    )
    added = adjudicating.add(
        user=curator, adjudication=adjudication, start=BODY.index("The budget"), end=len(BODY) - 1,
        label=Label.CLAIM,
    )  # fmt: skip
    adjudicating.finish(user=curator, adjudication=adjudication)
    statuses = dict(adjudicating.adjudicated_set(article).values_list("quote", "status"))
    assert statuses == {
        "McCaul stated": Status.APPROVED,  # adjudicated by the curator
        "the bridge opened in May": Status.APPROVED,
        added.quote: Status.SUBMITTED,  # nobody proposed it: another reviewer decides
    }
    steps = ReviewEvent.objects.filter(annotation__origin=Origin.ADJUDICATION, actor=curator)
    assert sorted(steps.values_list("to_status", flat=True)) == [
        Status.APPROVED,
        Status.APPROVED,
        Status.SUBMITTED,
    ]
    own = {
        (a.author.username, a.label, a.start): (a.status, a.reviewer, a.review_note)
        for a in Annotation.objects.filter(article=article, origin=Origin.ANNOTATOR)
    }
    claim_at = BODY.index("the bridge")
    assert own["ann", Label.CLAIM, claim_at][:2] == (Status.APPROVED, curator)
    assert own["bob", Label.CLAIM, claim_at + 4] == (
        Status.REJECTED,
        curator,
        "Not kept in the adjudicated set.",
    )
    assert own["ann", Label.DENIAL, BODY.index("Officials")][0] == Status.REJECTED
    article.refresh_from_db()
    assert article.unblinded_at is not None
    with pytest.raises(PermissionDenied):
        adjudicating.reject(
            user=curator, adjudication=adjudication, annotations=[spans["ann"]["said"].pk]
        )
    # The study's agreement still compares the two annotators only.
    results = measuring.summary(_project)
    assert list(results["pairs"]) == ["ann|bob"]


def test_four_eyes_a_curator_who_annotated_is_refused_unless_the_project_allows(study):
    project, article, ann, *_ = study
    Membership.objects.create(project=project, user=ann, role=Role.REVIEWER)
    with pytest.raises(PermissionDenied, match="another reviewer must adjudicate"):
        adjudicating.open_adjudication(user=ann, article=article)
    Project.objects.filter(pk=project.pk).update(curator_may_annotate=True)
    article.refresh_from_db()
    adjudication = adjudicating.open_adjudication(user=ann, article=article)
    assert adjudication.curator_annotated
    for cluster in adjudicating.variants(article, adjudication):
        for variant in cluster.variants:
            if variant.decision == "open":
                adjudicating.reject(
                    user=ann, adjudication=adjudication, annotations=variant.annotations
                )
    adjudicating.finish(user=ann, adjudication=adjudication)
    step = ReviewEvent.objects.get(annotation__origin=Origin.ADJUDICATION)
    assert "as the project allows" in step.note
    # ann's own submissions wait for another reviewer: nobody approves their own work.
    assert set(
        Annotation.objects.filter(author=ann, origin=Origin.ANNOTATOR).values_list(
            "status", flat=True
        )
    ) == {Status.SUBMITTED}


def test_not_ready_until_every_annotator_is_done(study):
    _project, article, ann, _bob, curator, _spans = study
    Assignment.objects.filter(annotator=ann).update(state=AssignmentState.IN_PROGRESS, done_at=None)
    with pytest.raises(PermissionDenied, match="1 annotator has not marked"):
        adjudicating.open_adjudication(user=curator, article=article)


# The API ------------------------------------------------------------------------------------


def url(article, step=""):
    return f"/api/v1/articles/{article.pk}/adjudication/" + (f"{step}/" if step else "")


def test_the_api_walks_an_adjudication(study, client_for):
    _project, article, _ann, _bob, curator, spans = study
    client = client_for(curator)
    state = client.get(url(article)).json()
    assert (state["adjudication"], state["can_open"], state["open"]) == (None, True, 3)
    state = client.post(url(article)).json()
    assert state["adjudication"]["curator"] == "carla"
    assert [a["quote"] for a in state["set"]] == ["McCaul stated"]
    answer = client.post(url(article, "accept"), {"annotations": ["x"]}, format="json")
    assert answer.status_code == 400 and "annotations" in answer.json()["errors"]
    answer = client.post(
        url(article, "accept"),
        {"annotations": [spans["ann"]["claim"].pk], "start": 0, "end": 3, "quote": "zzz"},
        format="json",
    )
    assert answer.status_code == 400 and "quote" in answer.json()["errors"]
    state = client.post(
        url(article, "accept"), {"annotations": [spans["ann"]["claim"].pk]}, format="json"
    ).json()
    claim = next(a for a in state["set"] if a["label"] == "claim")
    state = client.patch(
        url(article, f"annotations/{claim['id']}"), {"label": "denial"}, format="json"
    ).json()
    assert next(a for a in state["set"] if a["id"] == claim["id"])["label"] == "denial"
    answer = client.post(url(article, "finish"))
    assert answer.status_code == 400 and "variants" in answer.json()["errors"]
    client.post(url(article, "reject"), {"annotations": [spans["ann"]["denial"].pk]}, format="json")
    state = client.post(url(article, "finish")).json()
    assert state["adjudication"]["finished_at"] and not state["can_change"]


def test_who_sees_the_adjudication(study, client_for):
    project, article, ann, _bob, curator, _spans = study
    assert client_for(ann).get(url(article)).status_code == 403  # an annotator, working blind
    other = Project.objects.create(name="Other", slug="other")
    stranger = factories.reviewer(other, username="stranger")
    assert client_for(stranger).get(url(article)).status_code == 404
    watcher = factories.exporter(project, username="watcher")
    state = client_for(watcher).get(url(article)).json()
    assert state["can_open"] is False and "reviewers" in state["refusal"]
    assert client_for(watcher).post(url(article)).status_code == 403
    client_for(curator).post(url(article))
    second = factories.reviewer(project, username="second")
    answer = client_for(second).post(url(article, "reject"), {"annotations": [1]}, format="json")
    assert answer.status_code == 403 and "carla" in answer.json()["detail"]


def test_blind_mode_ends_when_the_article_is_adjudicated(study, client_for):
    _project, article, ann, _bob, curator, _spans = study
    Assignment.objects.filter(annotator=ann).update(state=AssignmentState.TODO, done_at=None)

    def seen_by_ann():
        rows = client_for(ann).get(f"/api/v1/articles/{article.pk}/annotations/").json()
        return {row["author"] for row in rows}

    assert seen_by_ann() == {"ann"}
    adjudicating.unblind(user=factories.manager(_project, username="boss"), article=article)
    assert seen_by_ann() == {"ann", "bob"}
    with pytest.raises(PermissionDenied):
        adjudicating.unblind(user=curator, article=article)


def finished(study):
    _project, article, _ann, _bob, curator, spans = study
    adjudication = adjudicating.open_adjudication(user=curator, article=article)
    adjudicating.accept(
        user=curator, adjudication=adjudication, annotations=[spans["bob"]["claim"].pk]
    )
    adjudicating.reject(
        user=curator, adjudication=adjudication, annotations=[spans["ann"]["denial"].pk]
    )
    adjudicating.finish(user=curator, adjudication=adjudication)
    return adjudication


def _rows(answer, fmt):
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    text = body.decode()
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    document = json.loads(text)
    if fmt == "w3c":
        return document["items"]
    return document["results"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "w3c"])
def test_exports_choose_the_adjudicated_set_or_each_annotators_own(study, client_for, fmt):
    project, *_ = study
    finished(study)
    exporter = factories.exporter(project, username="data")
    client = client_for(exporter)

    def export(**params):
        paged = {"after": 0} if fmt == "w3c" else {}  # the collection's first page
        answer = client.get("/api/v1/export/annotations/", {"format": fmt, **paged, **params})
        assert answer.status_code == 200, answer.content
        return _rows(answer, fmt)

    adjudicated = Annotation.objects.filter(origin=Origin.ADJUDICATION, status=Status.APPROVED)
    default = export()
    assert {str(_id(row, fmt)) for row in default} == {str(a.pk) for a in adjudicated}
    assert export(set="adjudicated") == default
    own = export(set="annotators")
    mine = Annotation.objects.filter(origin=Origin.ANNOTATOR)
    assert {str(_id(row, fmt)) for row in own} == {str(a.pk) for a in mine}
    if fmt != "w3c":
        assert {(r["author"], r["origin"]) for r in own} == {
            ("ann", "annotator"),
            ("bob", "annotator"),
        }
        assert {r["proposed_by"] for r in default} == {"ann, bob", "bob"}
    else:
        assert {r["creator"]["nickname"] for r in own} == {"ann", "bob"}
    answer = client.get("/api/v1/export/annotations/", {"format": fmt, "set": "mine"})
    assert answer.status_code == 400 and "set" in answer.json()["errors"]


def _id(row, fmt):
    if fmt == "w3c":
        return row["id"].rstrip("/").rsplit("/", 1)[-1]
    return row["id"]


def test_a_manager_opens_an_article_up_in_admin(study, client):
    project, article, _ann, _bob, curator, _spans = study
    boss = factories.manager(project, username="boss")
    for user, opened in ((curator, False), (boss, True)):
        client.force_login(user)
        answer = client.post(
            "/admin/annotations/article/",
            {"action": "open_up", "_selected_action": [article.pk]},
            follow=True,
        )
        assert answer.status_code == 200
        article.refresh_from_db()
        assert (article.unblinded_at is not None) == opened
    assert "1 opened up; 0 refused" in answer.content.decode()
