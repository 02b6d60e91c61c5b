import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotations.choices import Status
from annotations.models import Annotation, AnnotationLink, Article, EvidenceLink, ReviewEvent

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
        assert annotation.article.body[annotation.start : annotation.end] == annotation.quote


def test_demo_users_are_in_their_groups(settings):
    settings.DEBUG = True
    call_command("load_demo")
    reviewer = get_user_model().objects.get(username="reviewer1")
    assert reviewer.has_perm("annotations.review_annotation")
    assert (
        get_user_model().objects.get(username="annotator1").has_perm("annotations.add_annotation")
    )


def test_demo_loader_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not Article.objects.exists()
    call_command("load_demo", "--force")
    assert Article.objects.exists()
