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


def test_same_title_and_text_cannot_be_stored_twice_without_an_address():
    ArticleFactory(title="Same", body="Same text.")
    with pytest.raises(IntegrityError):
        ArticleFactory(title="Same", body="Same text.  ")  # normalises to the same body


def test_the_same_story_at_two_addresses_is_two_articles_in_the_database():
    ArticleFactory(title="Same", body="Same text.", canonical_url="https://wire.example/same")
    ArticleFactory(title="Same", body="Same text.", source_url="https://daily.example/same")
    ArticleFactory(title="Same", body="Same text.")  # and once more, pasted without one
    assert Article.objects.filter(title="Same").count() == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(title="Other", body="Text.", canonical_url="https://wire.example/same")


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


def _columns(row, *ignored: str) -> dict:
    return {k: v for k, v in row.items() if k not in ignored}


def test_insert_with_history_writes_what_save_writes(annotator, article):
    """models/history.insert: one statement on PostgreSQL, save() elsewhere; either way the
    row and its "+" history row are those that save() with _history_user writes."""
    from django.forms.models import model_to_dict

    from annotations.models import history

    def new(start: int) -> Annotation:
        return Annotation(
            project=article.project,
            article=article,
            revision=article.revision,
            author=annotator,
            label="claim",
            start=start,
            end=start + 3,
            quote=article.body[start : start + 3],
            note="both ways",
        )

    fast = new(0)
    history.insert(fast, user=annotator)
    saved = new(0)
    saved._history_user = annotator
    saved.save()
    assert fast.pk and not fast._state.adding and fast._state.db == "default"
    stored = Annotation.objects.get(pk=fast.pk)
    assert (stored.created_at, stored.updated_at) == (fast.created_at, fast.updated_at)
    ignored = ("id", "created_at", "updated_at", "derived_from")
    assert _columns(model_to_dict(stored), *ignored) == _columns(
        model_to_dict(Annotation.objects.get(pk=saved.pk)), *ignored
    )
    rows = {}
    for instance in (fast, saved):
        (row,) = instance.history.values()
        rows[instance.pk] = row
        assert row["id"] == instance.pk and row["history_type"] == "+"
        assert row["history_user_id"] == annotator.pk and row["history_change_reason"] is None
    ignored = ("id", "history_id", "history_date", "created_at")
    assert _columns(rows[fast.pk], *ignored) == _columns(rows[saved.pk], *ignored)


def test_insert_with_history_writes_neither_row_when_the_row_is_refused(annotator, article):
    from annotations.models import history

    bad = Annotation(
        project=article.project,
        article=article,
        author=annotator,
        label="claim",
        start=5,
        end=5,  # the database refuses an empty span
        quote="",
    )
    before = Annotation.history.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        history.insert(bad, user=annotator)
    assert not Annotation.objects.filter(article=article).exists()
    assert Annotation.history.count() == before


def test_row_with_reads_the_row_and_its_relation_as_select_related_does(article):
    from annotations.models.querysets import row_with

    found = row_with(Article, article.pk, "project")
    expected = Article.objects.select_related("project").get(pk=article.pk)
    assert found == expected and not found._state.adding and found._state.db == "default"
    assert {f.attname: getattr(found, f.attname) for f in Article._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in Article._meta.concrete_fields
    }
    assert Article.project.is_cached(found) and found.project.slug == expected.project.slug
    assert row_with(Article, article.pk + 1000, "project") is None


def test_a_sessions_user_is_read_as_the_orm_reads_it(annotator):
    """The once-compiled query converts its columns as the ORM does (aware times on SQLite)."""
    from django.contrib.auth.models import User

    from annotations.access.permissions import ProjectPermissionBackend

    user = ProjectPermissionBackend().get_user(annotator.pk)
    expected = User.objects.get(pk=annotator.pk)
    assert {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
    }
    assert user.date_joined.tzinfo is not None
