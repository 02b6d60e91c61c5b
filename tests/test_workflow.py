import pytest

from annotations.choices import Status
from annotations.common import concurrency
from annotations.models import ReviewEvent
from annotations.review import statuses, workflow
from tests.factories import AnnotationFactory

pytestmark = pytest.mark.django_db


def in_status(status, author, article, **extra):
    return AnnotationFactory(
        article=article, author=author, status=status, review_note="earlier note", **extra
    )


def test_author_submits_a_draft(draft, annotator):
    submitted = workflow.perform("submit", annotation=draft, user=annotator)
    assert submitted.status == Status.SUBMITTED
    assert submitted.submitted_at is not None
    assert submitted.version == draft.version + 1


@pytest.mark.parametrize("name", ["approve", "reject", "request_changes"])
def test_reviewer_decides_a_submitted_annotation(name, annotator, reviewer, article):
    annotation = in_status(Status.SUBMITTED, annotator, article)
    decided = workflow.perform(name, annotation=annotation, user=reviewer, note="Because.")
    assert decided.status == statuses.TRANSITIONS[name].target
    assert decided.reviewer == reviewer
    assert decided.review_note == "Because."
    assert decided.reviewed_at is not None


def test_author_resubmits_after_changes_were_requested(annotator, article):
    annotation = in_status(Status.CHANGES_REQUESTED, annotator, article)
    assert (
        workflow.perform("submit", annotation=annotation, user=annotator).status == Status.SUBMITTED
    )


def test_author_withdraws_a_submission(annotator, article):
    annotation = in_status(Status.SUBMITTED, annotator, article)
    assert (
        workflow.perform("withdraw", annotation=annotation, user=annotator).status == Status.DRAFT
    )


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("submit", Status.SUBMITTED),
        ("submit", Status.APPROVED),
        ("submit", Status.REJECTED),
        ("withdraw", Status.DRAFT),
        ("withdraw", Status.APPROVED),
        ("withdraw", Status.CHANGES_REQUESTED),
        ("approve", Status.DRAFT),
        ("approve", Status.APPROVED),
        ("approve", Status.REJECTED),
        ("approve", Status.CHANGES_REQUESTED),
        ("reject", Status.DRAFT),
        ("reject", Status.APPROVED),
        ("request_changes", Status.DRAFT),
        ("request_changes", Status.REJECTED),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(
    name, status, annotator, reviewer, article
):
    annotation = in_status(status, annotator, article)
    actor = annotator if statuses.TRANSITIONS[name].actor == "author" else reviewer
    with pytest.raises(workflow.WorkflowError) as error:
        workflow.perform(name, annotation=annotation, user=actor, note="A note.")
    assert error.value.code == "invalid_state"
    annotation.refresh_from_db()
    assert annotation.status == status
    assert annotation.version == 1
    assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize("name", ["approve", "reject", "request_changes"])
def test_a_reviewer_cannot_review_their_own_annotation(name, reviewer, article):
    annotation = in_status(Status.SUBMITTED, reviewer, article)
    with pytest.raises(workflow.WorkflowError, match="your own") as error:
        workflow.perform(name, annotation=annotation, user=reviewer, note="Fine.")
    assert error.value.code == "forbidden"


def test_an_admin_cannot_approve_their_own_annotation(admin_user, article):
    annotation = in_status(Status.SUBMITTED, admin_user, article)
    with pytest.raises(workflow.WorkflowError, match="your own"):
        workflow.perform("approve", annotation=annotation, user=admin_user)


def test_an_annotator_cannot_approve(annotator, other_annotator, article):
    annotation = in_status(Status.SUBMITTED, other_annotator, article)
    with pytest.raises(workflow.WorkflowError, match="Only reviewers") as error:
        workflow.perform("approve", annotation=annotation, user=annotator)
    assert error.value.code == "forbidden"


@pytest.mark.parametrize("name", ["submit", "withdraw"])
def test_only_the_author_submits_or_withdraws(name, annotator, reviewer, article):
    status = Status.DRAFT if name == "submit" else Status.SUBMITTED
    annotation = in_status(status, annotator, article)
    with pytest.raises(workflow.WorkflowError, match="Only the author"):
        workflow.perform(name, annotation=annotation, user=reviewer)


@pytest.mark.parametrize("name", ["reject", "request_changes"])
def test_rejecting_or_requesting_changes_needs_a_note(name, annotator, reviewer, article):
    annotation = in_status(Status.SUBMITTED, annotator, article)
    with pytest.raises(workflow.WorkflowError) as error:
        workflow.perform(name, annotation=annotation, user=reviewer, note="   ")
    assert error.value.code == "note_required"


def test_every_transition_writes_one_history_row(draft, annotator, reviewer):
    submitted = workflow.perform("submit", annotation=draft, user=annotator)
    back = workflow.perform(
        "request_changes", annotation=submitted, user=reviewer, note="Widen the span."
    )
    again = workflow.perform("submit", annotation=back, user=annotator)
    workflow.perform("approve", annotation=again, user=reviewer, note="Good.")
    rows = list(
        ReviewEvent.objects.filter(annotation=draft).values_list(
            "actor__username", "from_status", "to_status", "note"
        )
    )
    assert rows == [
        ("annotator", "draft", "submitted", ""),
        ("reviewer", "submitted", "changes_requested", "Widen the span."),
        ("annotator", "changes_requested", "submitted", ""),
        ("reviewer", "submitted", "approved", "Good."),
    ]


def test_history_rows_are_never_edited(draft, annotator):
    workflow.perform("submit", annotation=draft, user=annotator)
    event = ReviewEvent.objects.get()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_a_stale_expected_version_is_refused_and_changes_nothing(draft, annotator):
    with pytest.raises(concurrency.VersionConflict):
        workflow.perform(
            "submit", annotation=draft, user=annotator, expected_version=draft.version + 5
        )
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not ReviewEvent.objects.exists()


def test_available_lists_what_the_user_may_do(draft, annotator, reviewer):
    assert workflow.available(draft, annotator) == ["submit"]
    assert workflow.available(draft, reviewer) == []
    submitted = workflow.perform("submit", annotation=draft, user=annotator)
    assert workflow.available(submitted, reviewer) == ["approve", "reject", "request_changes"]
    assert workflow.available(submitted, annotator) == ["withdraw"]


def test_a_rejected_annotation_is_reworked_into_a_new_submission_with_its_history(
    client_for, annotator, reviewer, article
):
    annotation = in_status(Status.SUBMITTED, annotator, article)
    workflow.perform("reject", annotation=annotation, user=reviewer, note="Not a claim.")
    author = client_for(annotator)
    url = f"/api/v1/annotations/{annotation.pk}/"
    assert "revise" in author.get(url).json()["actions"]
    assert client_for(reviewer).post(f"{url}revise/").status_code == 403  # the author's step
    reworked = author.post(f"{url}revise/").json()
    assert reworked["status"] == "draft" and "edit" in reworked["actions"]
    author.patch(url, {"note": "Now with the figure."}, format="json")
    submitted = author.post(f"{url}submit/").json()
    steps = [(s["from_status"], s["to_status"], s["note"]) for s in submitted["history"]]
    assert ("submitted", "rejected", "Not a claim.") in steps
    assert steps[-2:] == [("rejected", "draft", ""), ("draft", "submitted", "")]
