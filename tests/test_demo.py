import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotations.access import permissions
from annotations.agreement import adjudicating, measuring
from annotations.choices import Origin, Status
from annotations.models import (
    Adjudication,
    Annotation,
    AnnotationLink,
    Article,
    Assignment,
    EvidenceLink,
    Project,
    ReviewEvent,
    Verdict,
)

pytestmark = pytest.mark.django_db


def snapshot():
    return [
        model.objects.count()
        for model in (
            get_user_model(),
            Article,
            Annotation,
            AnnotationLink,
            EvidenceLink,
            ReviewEvent,
        )
    ]


def test_demo_loader_is_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    assert "annotator1" in capsys.readouterr().out


def test_demo_has_annotations_in_several_states_with_non_ascii_text(settings):
    settings.DEBUG = True
    call_command("load_demo")
    statuses = set(Annotation.objects.values_list("status", flat=True))
    assert {Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.REJECTED} <= statuses
    bodies = "".join(Article.objects.values_list("body", flat=True))
    assert "🚢" in bodies and "“" in bodies and "ø" in bodies
    for annotation in Annotation.objects.select_related("article"):
        text = annotation.article.revisions.get(number=annotation.revision).body
        assert text[annotation.start : annotation.end] == annotation.quote
    corrected = Article.objects.get(revision=2)
    assert corrected.revisions.get(number=2).proposed == 1  # the draft on the changed figure


def test_demo_shows_projects_roles_assignments_and_double_annotation(settings):
    settings.DEBUG = True
    call_command("load_demo")
    users = {u.username: u for u in get_user_model().objects.all()}
    newsroom = Project.objects.get(slug="newsroom")
    study = Project.objects.get(slug="clinic-study")
    assert permissions.is_reviewer(users["reviewer1"], newsroom)
    assert permissions.can_create_annotation(users["annotator1"], newsroom)
    assert permissions.can_manage(users["manager1"], study)
    assert not permissions.can_export(users["exporter1"], study)
    assert study.blind and study.annotators_per_article == 2
    clinics, bikes = study.articles.order_by("pk")
    for story in (clinics, bikes):
        own = story.annotations.filter(origin=Origin.ANNOTATOR)
        assert set(own.values_list("author__username", flat=True)) == {"annotator1", "annotator2"}
        assert not own.filter(status=Status.DRAFT).exists()  # marked done: submitted
    agreed = measuring.summary(study)  # both marked both done: the study's agreement shows
    assert agreed["articles"] == 2 and list(agreed["pairs"]) == ["annotator1|annotator2"]
    # The clinics story is adjudicated (its set approved, blind mode over); the bike-lanes
    # story waits for a curator, with disagreements to settle.
    assert clinics.adjudication.finished and clinics.unblinded_at is not None
    settled = clinics.annotations.filter(origin=Origin.ADJUDICATION)
    assert settled.count() == 3 and set(settled.values_list("status", flat=True)) == {
        Status.APPROVED
    }
    assert settled.filter(outgoing_links__isnull=False).exists()  # denial -> claim carried
    assert not Adjudication.objects.filter(article=bikes).exists()
    # The desk's approved ferry-fares claim is a published fact-check.
    (verdict,) = Verdict.objects.filter(status="published")
    assert verdict.project == newsroom and verdict.rating.name == "False"
    assert sum(c.disputed for c in adjudicating.variants(bikes)) >= 2
    states = set(
        Assignment.objects.filter(article__project=newsroom).values_list("state", flat=True)
    )
    assert states == {"todo", "in_progress", "done"}


def test_demo_loader_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not Article.objects.exists()
    call_command("load_demo", "--force")
    assert Article.objects.exists()
