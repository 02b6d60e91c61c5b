"""One view rule: for every model that belongs to a project, whether a user may see a row
(`can(user, "view", row)`, `user.has_perm("annotations.view_<model>", row)`) is exactly whether
`Model.objects.visible_to(user)` holds it.

The models are found in the app registry, not listed here: a model added later with a project
(or reached through one that has it) joins the test, and fails it until this world holds rows
of it and it has a `visible_to`.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from annotations.access import permissions
from annotations.choices import AssignmentState, Label, Role, Status, VerdictStatus
from annotations.models import (
    Adjudication,
    ArticleAgreement,
    Assignment,
    EvidenceLink,
    Feed,
    FeedItem,
    Fetch,
    Membership,
    Project,
    ReviewEvent,
    Verdict,
    VerdictCorrection,
    VerdictEvent,
)
from annotations.verdicts import verdicting
from tests.factories import AnnotationFactory, ArticleFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

# A count the database keeps per project, author and status for exports: never shown, nor asked
# about, row by row.
NOT_SHOWN = {"AnnotationTally"}


def _is_history(model: type[models.Model]) -> bool:
    """django-simple-history's tables: the admin's history of a row, read through that row."""
    return hasattr(model, "instance_type")


def project_models() -> list[type[models.Model]]:
    """The annotations app's models with a project, or reached through a model that has one
    (a revision through its article, a review event through its annotation…)."""
    candidates = [
        m
        for m in apps.get_app_config("annotations").get_models()
        if not _is_history(m) and m.__name__ not in NOT_SHOWN
    ]
    belongs: set[type[models.Model]] = {Project}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in belongs:
                continue
            targets = {
                field.related_model._meta.concrete_model
                for field in model._meta.get_fields()
                if field.many_to_one or (field.one_to_one and field.concrete)
            }
            if model._meta.concrete_model in belongs or targets & belongs:
                belongs.add(model)
                grew = True
    return sorted(belongs, key=lambda m: m.__name__)


def _verdict(claim, summary: str, *, author) -> Verdict:
    return Verdict.objects.create(
        project=claim.project,
        claim=claim,
        rating=verdicting.ratings(claim.project)[0],
        summary=summary,
        claimant="Someone",
        appearance_url=f"https://example.org/{claim.pk}",
        author=author,
    )


def _project_with_work(slug: str, *, blind: bool, people: dict, users: dict) -> dict:
    """A project where `people` (names in `users`) hold their roles, with a row of everything
    a project holds."""
    project = Project.objects.create(
        name=slug.title(), slug=slug, blind=blind, annotators_per_article=2 if blind else 1
    )
    for role, names in people.items():
        for name in names:
            Membership.objects.create(project=project, user=users[name], role=role)
    story, done_story = ArticleFactory(project=project), ArticleFactory(project=project)
    first, second = (users[n] for n in people[Role.ANNOTATOR][:2])
    work = {
        "first_draft": AnnotationFactory(article=story, author=first),
        "first_submitted": AnnotationFactory(
            article=story, author=first, status=Status.SUBMITTED, start=10
        ),
        "second_draft": AnnotationFactory(article=story, author=second, start=20),
        "second_submitted": AnnotationFactory(
            article=story, author=second, status=Status.SUBMITTED, start=30
        ),
        "second_approved": AnnotationFactory(
            article=done_story, author=second, status=Status.APPROVED, start=40
        ),
        "second_attribution": AnnotationFactory(
            article=story,
            author=second,
            status=Status.SUBMITTED,
            label=Label.ATTRIBUTION,
            start=50,
        ),
    }
    Assignment.objects.create(article=story, annotator=first)
    Assignment.objects.create(
        article=done_story,
        annotator=first,
        state=AssignmentState.DONE,
        done_at=story.created_at,
    )
    Assignment.objects.create(article=story, annotator=second)
    mine, theirs = (
        EvidenceFactory(project=project, added_by=first),
        EvidenceFactory(project=project, added_by=second),
    )
    EvidenceFactory(project=project, added_by=second)  # cited by nobody
    EvidenceLink.objects.create(
        annotation=work["second_submitted"], evidence=theirs, stance="supports"
    )
    EvidenceLink.objects.create(annotation=work["first_draft"], evidence=mine, stance="refutes")
    EvidenceLink.objects.create(
        annotation=work["second_approved"], evidence=theirs, stance="context"
    )
    work["second_attribution"].outgoing_links.create(
        target=work["second_submitted"], kind="attributes"
    )
    for annotation in (work["first_submitted"], work["second_submitted"]):
        ReviewEvent.objects.create(
            annotation=annotation,
            actor=annotation.author,
            from_status=Status.DRAFT,
            to_status=Status.SUBMITTED,
        )
    ArticleAgreement.objects.create(article=done_story, project=project, fingerprint="x")
    Adjudication.objects.create(
        article=done_story, project=project, curator=users[people[Role.REVIEWER][0]]
    )
    fetch = Fetch.objects.create(project=project, url=f"https://{slug}.example/a", reason="url")
    feed = Feed.objects.create(project=project, url=f"https://{slug}.example/feed.xml")
    FeedItem.objects.create(feed=feed, key="item-1", fetch=fetch)
    verdict = _verdict(work["second_approved"], "A claim", author=second)
    VerdictEvent.objects.create(
        verdict=verdict,
        actor=second,
        from_status=VerdictStatus.DRAFTED,
        to_status=VerdictStatus.SUBMITTED,
    )
    # A verdict on a claim of the article whose assignment is still open: hidden from a blind
    # annotator until their own work on it is done, like the claim it quotes.
    work["open_claim"] = AnnotationFactory(
        article=story, author=second, status=Status.APPROVED, start=60
    )
    work["open_verdict"] = _verdict(work["open_claim"], "Another claim", author=second)
    VerdictCorrection.objects.create(
        verdict=verdict,
        changes={"summary": {"from": "A claim", "to": "A claim, corrected"}},
        note="Wording",
        proposed_by=second,
    )
    return work


@pytest.fixture
def world():
    """An open desk and a blind study sharing two annotators, a reviewer and a manager; an
    outsider with a project of their own; a superuser; someone with no role."""
    users = {}
    for name in ("annotator", "other", "reviewer", "manager", "outsider", "stranger", "norole"):
        users[name] = UserFactory(username=name, is_staff=name in ("reviewer", "manager"))
    users["admin"] = UserFactory(username="admin", is_staff=True, is_superuser=True)
    inside = {
        Role.ANNOTATOR: ["annotator", "other"],
        Role.REVIEWER: ["reviewer"],
        Role.MANAGER: ["manager"],
    }
    desk = _project_with_work("desk", blind=False, people=inside, users=users)
    study = _project_with_work("study", blind=True, people=inside, users=users)
    _project_with_work(
        "elsewhere",
        blind=False,
        people={Role.ANNOTATOR: ["outsider", "stranger"], Role.REVIEWER: ["stranger"]},
        users=users,
    )
    return {"desk": desk, "study": study, "names": list(users)}


def fresh(name: str):
    """The user as a request would load them: no roles or permissions cached from the set-up."""
    return get_user_model().objects.get(username=name)


def test_every_project_model_has_a_visible_to_and_rows_in_this_world(world):
    found = project_models()
    assert {m.__name__ for m in found} >= {"Annotation", "Evidence", "Membership", "Rating"}
    lacking = [m.__name__ for m in found if not hasattr(m._default_manager, "visible_to")]
    assert lacking == []
    empty = [m.__name__ for m in found if not m._default_manager.exists()]
    assert empty == []


def test_the_per_object_answer_is_membership_in_visible_to_for_every_project_model(world):
    disagreements = []
    for model in project_models():
        perm = f"annotations.view_{model._meta.model_name}"
        rows = list(model._default_manager.all())
        for name in world["names"]:
            user = fresh(name)
            shown = set(model._default_manager.visible_to(user).values_list("pk", flat=True))
            for row in rows:
                answers = {
                    "visible_to": row.pk in shown,
                    "can": permissions.can(user, "view", row),
                    "has_perm": user.has_perm(perm, row),
                }
                if len(set(answers.values())) != 1:
                    disagreements.append(f"{model.__name__} {row.pk} for {name}: {answers}")
    assert disagreements == []


def test_another_annotators_draft_and_blind_work_are_hidden_from_the_object_rule_too(world):
    annotator, reviewer = fresh("annotator"), fresh("reviewer")
    desk, study = world["desk"], world["study"]
    for hidden in (desk["second_draft"], study["second_submitted"], study["second_draft"]):
        assert not permissions.can(annotator, "view", hidden)
        assert not annotator.has_perm("annotations.view_annotation", hidden)
    assert permissions.can(annotator, "view", desk["second_submitted"])
    assert permissions.can(annotator, "view", study["second_approved"])  # their part is done
    assert permissions.can(reviewer, "view", study["second_submitted"])
    assert not permissions.can(reviewer, "view", study["second_draft"])
    assert permissions.can(fresh("admin"), "view", study["second_draft"])
    assert not permissions.can(fresh("outsider"), "view", desk["second_submitted"])


def test_verdict_actions_are_in_the_same_table(world):
    verdict = Verdict.objects.get(project__slug="desk", summary="A claim")
    reviewer, author = fresh("reviewer"), fresh("other")
    assert permissions.can(reviewer, "decide_verdict", verdict)
    assert not permissions.can(author, "decide_verdict", verdict)  # four eyes
    assert reviewer.has_perm("annotations.publish_verdict", verdict)
    assert not author.has_perm("annotations.publish_verdict", verdict)
    assert permissions.can(author, "draft_verdict", verdict.project)
    assert not permissions.can(fresh("outsider"), "draft_verdict", verdict.project)


def test_a_correction_is_decided_by_a_reviewer_who_did_not_propose_it(world):
    correction = VerdictCorrection.objects.get(verdict__project__slug="desk")
    assert permissions.can(fresh("reviewer"), "decide_correction", correction)
    assert not permissions.can(fresh("other"), "decide_correction", correction)  # proposer
    assert not permissions.can(fresh("outsider"), "decide_correction", correction)
    assert permissions.can(fresh("other"), "propose_correction", correction.verdict)


def test_a_blind_annotator_sees_no_verdict_of_a_claim_hidden_from_them(world, client_for):
    annotator = fresh("annotator")
    hidden, shown = world["study"]["open_verdict"], world["desk"]["open_verdict"]
    assert not permissions.can(annotator, "view", world["study"]["open_claim"])
    assert not permissions.can(annotator, "view", hidden)
    assert permissions.can(annotator, "view", shown)
    assert permissions.can(fresh("reviewer"), "view", hidden)
    listed = {v["id"] for v in client_for(annotator).get("/api/v1/verdicts/").json()["results"]}
    assert shown.pk in listed and hidden.pk not in listed
    assert client_for(annotator).get(f"/api/v1/verdicts/{hidden.pk}/").status_code == 404
