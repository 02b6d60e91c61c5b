import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.models import Annotation, Article, Evidence
from tests.factories import AnnotationFactory, ArticleFactory, EvidenceFactory, default_project

pytestmark = pytest.mark.django_db


def test_article_body_is_stored_in_canonical_form_with_its_hash():
    article = ArticleFactory(body="Cafe\u0301 opens.  \r\nMore text.\r\n")
    article.refresh_from_db()
    assert article.body == "Café opens.\nMore text."
    assert len(article.body_hash) == 64


def test_same_title_and_text_cannot_be_stored_twice():
    ArticleFactory(title="Same", body="Same text.")
    with pytest.raises(IntegrityError):
        ArticleFactory(title="Same", body="Same text.  ")  # normalises to the same body


def test_database_rejects_end_not_after_start_even_through_a_raw_update(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=draft.pk).update(end=draft.start)


def test_database_rejects_an_unknown_label_even_through_a_raw_update(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=draft.pk).update(label="rumour")


def test_database_rejects_an_unknown_status(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=draft.pk).update(status="published")


def test_database_rejects_a_quote_whose_length_disagrees_with_the_offsets(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=draft.pk).update(quote=draft.quote + "x")


def test_database_requires_a_review_note_when_changes_are_requested(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=draft.pk).update(status="changes_requested", review_note="")


def test_validation_counts_code_points_after_an_emoji():
    article = ArticleFactory(body="Launch 🚀 went fine, said NASA.")
    start = article.body.index("went")
    ok = Annotation(
        project=article.project,
        article=article,
        author=_user(),
        label="claim",
        start=start,
        end=start + 4,
        quote="went",
    )
    ok.full_clean()
    utf16 = Annotation(
        project=article.project,
        article=article,
        author=ok.author,
        label="claim",
        start=start + 1,
        end=start + 5,
        quote="went",
    )
    with pytest.raises(ValidationError) as error:
        utf16.full_clean()
    assert "quote" in error.value.message_dict


def test_validation_refuses_an_end_past_the_body():
    article = ArticleFactory(body="Short.")
    annotation = Annotation(
        article=article, author=_user(), label="claim", start=0, end=10, quote="Short.xxxx"
    )
    with pytest.raises(ValidationError) as error:
        annotation.full_clean()
    assert "end" in error.value.message_dict


def test_overlapping_and_nested_spans_by_the_same_author_are_allowed(draft):
    AnnotationFactory(article=draft.article, author=draft.author, start=draft.start, length=2)
    AnnotationFactory(article=draft.article, author=draft.author, start=0, length=20)
    assert Annotation.objects.filter(article=draft.article).count() == 3


def test_evidence_url_must_be_http_or_https():
    for url in ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.org/file"]:
        with pytest.raises(ValidationError) as error:
            Evidence(url=url, title="t").full_clean()
        assert "url" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(url="javascript:alert(1)", title="t", project=default_project())
    EvidenceFactory(url="https://example.org/ok").full_clean()


def test_article_text_cannot_change_once_annotated(draft):
    article = Article.objects.get(pk=draft.article_id)
    article.body = "Completely different text."
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "body" in error.value.message_dict


def _user():
    from tests.factories import UserFactory

    return UserFactory()


def test_the_history_manager_class_is_built_once_not_on_every_save():
    """simple_history builds it per access; every save reads it (models/history.py)."""
    first, second = Annotation(pk=1), Annotation(pk=2)
    assert type(first.history) is type(second.history)
    assert first.history.instance is first and second.history.instance is second
