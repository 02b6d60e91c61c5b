"""Corrections: a new revision, every annotation placed on it, nothing silently moved."""

import threading

import pytest
from django.db import connection

from annotations.choices import Anchor, Status
from annotations.models import Annotation, ArticleRevision
from annotations.review import workflow
from annotations.revisions import revising
from tests.factories import AnnotationFactory, ArticleFactory, annotator, reviewer

BODY = (
    "The mayor, Jon Smith, said the bridge would open in May.\n\n"
    "Officials denied it on Tuesday.\n\n"
    "The budget grew by 12% last year, the council said."
)


def annotate(article, author, quote, **extra):
    start = article.body.index(quote)
    return AnnotationFactory(
        article=article, author=author, start=start, length=len(quote), **extra
    )


@pytest.fixture
def story(db):
    return ArticleFactory(body=BODY)


@pytest.mark.django_db
def test_a_correction_keeps_the_old_text_and_places_every_annotation(story, annotator):
    kept = annotate(story, annotator, "Officials denied it")
    renamed = annotate(story, annotator, "Jon Smith")
    gone = annotate(story, annotator, "The budget grew by 12% last year")
    corrected = BODY.replace("Jon Smith", "John Smith").replace(
        "The budget grew by 12% last year, the council said.", "No figures were given."
    )
    revision = revising.add_revision(
        user=annotator, article=story, body=corrected, note="correction: the mayor's name"
    )
    assert (revision.number, revision.note) == (2, "correction: the mayor's name")
    assert (revision.mapped, revision.found, revision.proposed, revision.orphaned) == (1, 0, 1, 1)
    story.refresh_from_db()
    assert (story.revision, story.body) == (2, corrected)
    assert ArticleRevision.objects.get(article=story, number=1).body == BODY
    kept.refresh_from_db()
    assert (kept.anchor, kept.revision) == (Anchor.ANCHORED, 2)
    assert corrected[kept.start : kept.end] == "Officials denied it"
    renamed.refresh_from_db()
    assert (renamed.anchor, renamed.revision, renamed.quote) == (Anchor.PROPOSED, 1, "Jon Smith")
    assert corrected[renamed.proposed_start : renamed.proposed_end].startswith("John Smit")
    gone.refresh_from_db()
    assert (gone.anchor, gone.revision) == (Anchor.ORPHANED, 1)
    assert kept.history.first().history_user == annotator  # re-anchoring is in the history


@pytest.mark.django_db
def test_approved_work_whose_words_changed_goes_back_to_its_author_with_the_reason(story):
    author, checker = annotator(username="author"), reviewer(username="checker")
    approved = annotate(story, author, "Jon Smith")
    approved = workflow.perform("submit", annotation=approved, user=author)
    approved = workflow.perform("approve", annotation=approved, user=checker)
    untouched = annotate(story, author, "Officials denied it", status=Status.APPROVED)
    revising.add_revision(user=checker, article=story, body=BODY.replace("Jon", "John"))
    approved.refresh_from_db()
    assert approved.status == Status.CHANGES_REQUESTED
    assert "corrected (revision 2)" in approved.review_note
    event = approved.review_events.last()
    assert (event.from_status, event.to_status) == (Status.APPROVED, Status.CHANGES_REQUESTED)
    untouched.refresh_from_db()
    assert untouched.status == Status.APPROVED and untouched.anchor == Anchor.ANCHORED


@pytest.mark.django_db
def test_the_api_corrects_with_if_match_and_serves_revisions_text_and_diff(
    client_for, story, annotator
):
    proposed = annotate(story, annotator, "Jon Smith")
    api = client_for(annotator)
    url = f"/api/v1/articles/{story.pk}/"
    corrected = BODY.replace("Jon Smith", "John Smith")
    stale = api.put(f"{url}body/", {"body": corrected}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412
    done = api.put(
        f"{url}body/", {"body": corrected, "note": "name"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert done.status_code == 200, done.content
    assert done.json()["proposed"] == 1 and done["ETag"] == '"2"'
    same = api.put(f"{url}body/", {"body": corrected}, format="json")
    assert same.status_code == 400 and "body" in same.json()["errors"]
    assert [r["number"] for r in api.get(f"{url}revisions/").json()] == [1, 2]
    text = api.get(f"{url}revisions/1/text/")
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode() == BODY
    diff = api.get(f"{url}diff/").json()
    assert (diff["from"], diff["to"]) == (1, 2)
    assert ["insert", "h"] in diff["diff"]
    assert api.get(f"{url}diff/?from=9").status_code == 400
    shown = api.get(f"/api/v1/annotations/{proposed.pk}/").json()
    assert shown["anchor"] == "proposed" and shown["revision"] == 1
    assert corrected[shown["proposed"]["start"] : shown["proposed"]["end"]].startswith("John")
    confirmed = api.post(f"/api/v1/annotations/{proposed.pk}/confirm-anchor/")
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert (body["anchor"], body["revision"], body["proposed"]) == ("anchored", 2, None)
    assert corrected[body["start"] : body["end"]] == body["quote"]


@pytest.mark.django_db
def test_exports_hold_only_annotations_anchored_on_the_current_text(client_for, story):
    author, checker = annotator(username="author"), reviewer(username="checker")
    for quote in ("Jon Smith", "Officials denied it"):
        annotate(story, author, quote, status=Status.APPROVED)
    Annotation.objects.update(review_note="ok")
    revising.add_revision(user=checker, article=story, body=BODY.replace("Jon", "John"))
    Annotation.objects.update(status=Status.APPROVED)  # even if someone approved it again
    rows = client_for(checker).get("/api/v1/export/annotations/").json()["results"]
    assert [(r["quote"], r["revision"]) for r in rows] == [("Officials denied it", 2)]


@pytest.mark.django_db
def test_only_members_who_may_add_articles_correct_them(client_for, story):
    outsider = client_for()
    assert outsider.put(f"/api/v1/articles/{story.pk}/body/", {"body": "x"}).status_code == 401
    from tests.factories import exporter

    refused = client_for(exporter(username="bot")).put(
        f"/api/v1/articles/{story.pk}/body/", {"body": "New text."}, format="json"
    )
    assert refused.status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_a_correction_is_either_re_anchored_or_refused_never_lost(client_for):
    author = annotator(username="author")
    story = ArticleFactory(body=BODY)
    note = annotate(story, author, "Officials denied it")
    results = {}
    barrier = threading.Barrier(2)

    def correct():
        barrier.wait()
        try:
            results["revision"] = revising.add_revision(
                user=author, article=story, body="Update: " + BODY
            )
        finally:
            connection.close()

    def edit():
        barrier.wait()
        try:
            results["edit"] = client_for(author).patch(
                f"/api/v1/annotations/{note.pk}/", {"note": "checked"}, format="json"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=correct), threading.Thread(target=edit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["edit"].status_code == 200
    note.refresh_from_db()
    assert note.note == "checked"  # the edit is not lost to the re-anchoring
    assert (note.revision, note.anchor) == (2, Anchor.ANCHORED)
    assert ("Update: " + BODY)[note.start : note.end] == "Officials denied it"


@pytest.mark.django_db
def test_update_text_on_the_page_stores_a_revision_and_shows_what_changed(story, annotator):
    from django.test import Client

    annotate(story, annotator, "Jon Smith")
    client = Client()
    client.force_login(annotator)
    page = client.get(f"/articles/{story.pk}/").content.decode()
    assert "Update text" in page and "Revision 1" in page
    corrected = BODY.replace("Jon Smith", "John Smith")
    stored = client.post(
        f"/articles/{story.pk}/correct/",
        {"body": corrected, "note": "the mayor's name", "revision": "1"},
        follow=True,
    ).content.decode()
    assert "Revision 2 stored: 0 kept in place, 1 proposed, 0 orphaned" in stored
    stale = client.post(
        f"/articles/{story.pk}/correct/", {"body": "Other.", "revision": "1"}, follow=True
    ).content.decode()
    assert "The text was not updated" in stale and "revision 2" in stale
    changes = client.get(f"/articles/{story.pk}/revisions/").content.decode()
    assert "<ins>h</ins>" in changes and "the mayor&#x27;s name" in changes


@pytest.mark.django_db
def test_a_re_anchored_annotation_exports_as_w3c_resolving_against_the_revision_text(
    client_for, story, shared_dir
):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "validate_w3c", shared_dir / "conformance" / "validate_w3c.py"
    )
    validator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(validator)
    author, checker = annotator(username="author"), reviewer(username="checker")
    annotate(story, author, "Officials denied it", status=Status.APPROVED, review_note="ok")
    revising.add_revision(user=checker, article=story, body="Update: " + BODY)
    client = client_for(checker)
    page = client.get("/api/v1/export/annotations/", {"format": "w3c", "after": 0}).json()
    (item,) = page["items"]
    assert validator.failures("annotation", item) == []
    source = item["target"]["source"]
    assert source.endswith("/revisions/2/text/")
    text = client.get(source.removeprefix("http://testserver")).content.decode()
    position = item["target"]["selector"][1]
    assert text[position["start"] : position["end"]] == "Officials denied it"


@pytest.mark.django_db
def test_a_pasted_article_cannot_be_corrected_into_another_pasted_one(client_for, annotator):
    """Without an address an article is its title and text: a correction that would make it
    another one is a 400 naming the body, never a database error."""
    kept = ArticleFactory(title="Fares", body=BODY)
    pasted = ArticleFactory(title="Fares", body=BODY.replace("May", "June"))
    answer = client_for(annotator).put(
        f"/api/v1/articles/{pasted.pk}/body/", {"body": BODY}, format="json"
    )
    assert answer.status_code == 400
    assert (
        f"Article {kept.pk} already has this title and text" in answer.json()["errors"]["body"][0]
    )
    pasted.refresh_from_db()
    assert pasted.revision == 1


@pytest.mark.django_db
def test_an_article_with_an_address_may_be_corrected_into_the_same_story_as_another(annotator):
    """Two addresses, one story (syndication): the correction is stored, never lost."""
    first = ArticleFactory(title="Fares", body=BODY, source_url="https://wire.example/fares")
    second = ArticleFactory(
        title="Fares", body=BODY.replace("May", "June"), source_url="https://daily.example/fares"
    )
    revision = revising.add_revision(user=annotator, article=second, body=BODY)
    assert revision.number == 2
    second.refresh_from_db()
    assert list(second.duplicates()) == [first]
