import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.choices import Status
from annotations.models import Annotation, Article, ReviewEvent
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    UserFactory,
    annotator,
    reviewer,
)

QUEUE = "/admin/annotations/reviewqueue/"

pytestmark = pytest.mark.django_db


def page(annotation):
    return f"{QUEUE}{annotation.pk}/change/"


def submitted(author, article=None, ago_hours=1, **extra):
    return AnnotationFactory(
        author=author,
        article=article or ArticleFactory(),
        status=Status.SUBMITTED,
        submitted_at=timezone.now() - dt.timedelta(hours=ago_hours),
        **extra,
    )


@pytest.fixture
def reviewer_client(reviewer):
    client = Client()
    client.force_login(reviewer)
    return client


def test_queue_lists_only_submitted_annotations_oldest_first(reviewer_client, annotator, article):
    newer = submitted(annotator, article, ago_hours=1)
    older = submitted(annotator, article, ago_hours=30)
    AnnotationFactory(article=article, author=annotator, status=Status.APPROVED)
    AnnotationFactory(article=article, author=annotator)
    response = reviewer_client.get(QUEUE)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows == [older, newer]


def test_admin_index_shows_how_many_wait(reviewer_client, annotator):
    submitted(annotator)
    submitted(annotator)
    content = reviewer_client.get("/admin/").content.decode()
    assert "<strong>2</strong>" in content
    assert "waiting for review" in content


def test_queue_filters_and_search(reviewer_client, annotator, other_annotator):
    wire = ArticleFactory(title="Port fares", publisher="Wire")
    first = submitted(annotator, wire, ago_hours=200, label="denial")
    second = submitted(other_annotator, ArticleFactory(publisher="Gazette"), ago_hours=2)

    def listed(query):
        return list(reviewer_client.get(QUEUE + query).context["cl"].result_list)

    assert listed("?label__exact=denial") == [first]
    assert listed("?publisher=Wire") == [first]
    assert listed(f"?author={other_annotator.pk}") == [second]
    assert listed(f"?article={wire.pk}") == [first]
    assert listed("?waiting=older") == [first]
    assert listed("?waiting=day") == [second]
    assert listed("?q=Port") == [first]


def test_review_page_shows_span_in_context_escaped(reviewer_client, annotator):
    article = ArticleFactory(
        body="Before <script>alert(1)</script> text. The bridge opens in May. After <b>bold</b>."
    )
    start = article.body.index("The bridge")
    annotation = submitted(annotator, article, start=start, length=len("The bridge opens in May"))
    Annotation.objects.filter(pk=annotation.pk).update(note="<img src=x onerror=alert(2)>")
    content = reviewer_client.get(page(annotation)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=alert(2)&gt;" in content
    assert '<mark class="label-claim">The bridge opens in May</mark>' in content


def test_review_page_shows_evidence_links_and_history(reviewer_client, annotator, article):
    claim = submitted(annotator, article, start=0)
    claim.evidence_links.create(evidence=EvidenceFactory(title="Budget report"), stance="refutes")
    attribution = AnnotationFactory(
        article=article, author=annotator, start=20, label="attribution"
    )
    attribution.outgoing_links.create(target=claim, kind="attributes")
    ReviewEvent.objects.create(
        annotation=claim, actor=annotator, from_status="draft", to_status="submitted"
    )
    content = reviewer_client.get(page(claim)).content.decode()
    assert "Budget report" in content and "Refutes" in content
    assert "attributes" in content and attribution.quote in content
    assert "Draft → Submitted" in content
    assert f'href="/articles/{article.pk}/"' in content


def test_approving_from_the_review_page(reviewer_client, reviewer, annotator):
    annotation = submitted(annotator)
    response = reviewer_client.post(
        page(annotation), {"decision": "approve", "note": "", "version": 1}
    )
    assert response.status_code == 302
    annotation.refresh_from_db()
    assert (annotation.status, annotation.reviewer) == (Status.APPROVED, reviewer)
    event = ReviewEvent.objects.get(annotation=annotation)
    assert (event.actor, event.from_status, event.to_status) == (reviewer, "submitted", "approved")


@pytest.mark.parametrize("decision", ["reject", "request_changes"])
def test_rejecting_or_requesting_changes_needs_a_note(reviewer_client, annotator, decision):
    annotation = submitted(annotator)
    response = reviewer_client.post(
        page(annotation), {"decision": decision, "note": " ", "version": 1}
    )
    assert response.status_code == 200
    assert "A note is required" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.status == Status.SUBMITTED
    done = reviewer_client.post(
        page(annotation), {"decision": decision, "note": "Why.", "version": 1}
    )
    assert done.status_code == 302
    annotation.refresh_from_db()
    expected = {"reject": Status.REJECTED, "request_changes": Status.CHANGES_REQUESTED}[decision]
    assert (annotation.status, annotation.review_note) == (expected, "Why.")


def test_a_reviewer_cannot_review_their_own_annotation(reviewer_client, reviewer):
    own = submitted(reviewer)
    content = reviewer_client.get(page(own)).content.decode()
    assert "your own annotation" in content
    assert 'value="approve"' not in content
    response = reviewer_client.post(page(own), {"decision": "approve", "version": 1})
    assert "your own annotation" in response.content.decode()
    own.refresh_from_db()
    assert own.status == Status.SUBMITTED


def test_a_stale_review_form_is_refused_and_shows_the_current_state(reviewer_client, annotator):
    annotation = submitted(annotator)
    Annotation.objects.filter(pk=annotation.pk).update(version=2)
    response = reviewer_client.post(page(annotation), {"decision": "approve", "version": 1})
    assert "Someone else changed this annotation" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.status == Status.SUBMITTED


def test_bulk_approve_asks_on_an_intermediate_page_then_skips_own(
    reviewer_client, reviewer, annotator
):
    theirs = [submitted(annotator), submitted(annotator)]
    own = submitted(reviewer)
    ids = [a.pk for a in [*theirs, own]]
    form = reviewer_client.post(QUEUE, {"action": "approve_selected", "_selected_action": ids})
    assert form.status_code == 200
    assert "Note to the authors" in form.content.decode()
    assert Annotation.objects.filter(status=Status.APPROVED).count() == 0
    done = reviewer_client.post(
        QUEUE,
        {"action": "approve_selected", "_selected_action": ids, "apply": "yes", "note": ""},
        follow=True,
    )
    messages = [str(m) for m in done.context["messages"]]
    assert any("Approve: 2 annotations." in m for m in messages)
    assert any(f"#{own.pk}" in m and "your own" in m for m in messages)
    assert set(Annotation.objects.filter(status=Status.APPROVED)) == set(theirs)
    own.refresh_from_db()
    assert own.status == Status.SUBMITTED


def test_bulk_reject_needs_a_note(reviewer_client, annotator):
    annotation = submitted(annotator)
    data = {
        "action": "reject_selected",
        "_selected_action": [annotation.pk],
        "apply": "yes",
        "note": "",
    }
    response = reviewer_client.post(QUEUE, data)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.status == Status.SUBMITTED
    reviewer_client.post(QUEUE, {**data, "note": "Off topic."})
    annotation.refresh_from_db()
    assert (annotation.status, annotation.review_note) == (Status.REJECTED, "Off topic.")


def test_annotators_cannot_use_admin(annotator):
    client = Client()
    client.force_login(annotator)
    assert client.get(QUEUE).status_code == 302  # to the admin log-in: not staff


def test_reviewers_cannot_edit_or_delete_annotations(reviewer_client, annotator):
    annotation = submitted(annotator)
    url = f"/admin/annotations/annotation/{annotation.pk}/"
    page_content = reviewer_client.get(url + "change/").content.decode()
    assert 'name="label"' not in page_content and 'name="quote"' not in page_content
    assert reviewer_client.post(url + "change/", {"label": "denial"}).status_code == 403
    assert reviewer_client.post(url + "delete/", {"post": "yes"}).status_code == 403
    annotation.refresh_from_db()
    assert annotation.label == "claim"


def test_field_history_is_visible_in_admin(annotator):
    from annotations.spans import editing

    annotation = AnnotationFactory(author=annotator)
    editing.update_annotation(
        annotation=annotation, user=annotator, changes={"note": "Checked twice."}
    )
    admin_client = Client()
    admin_client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    content = admin_client.get(
        f"/admin/annotations/annotation/{annotation.pk}/history/"
    ).content.decode()
    assert "Checked twice." in content or "note" in content.lower()


def test_deleting_an_article_with_reviewed_work_needs_a_superuser(annotator):
    article = ArticleFactory()
    AnnotationFactory(article=article, author=annotator, status=Status.APPROVED)
    editor = UserFactory(username="desk", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["delete_article", "view_article"])
    )
    client = Client()
    client.force_login(editor)
    url = f"/admin/annotations/article/{article.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    root = Client()
    root.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    confirmation = root.get(url).content.decode()
    assert "1 approved" in confirmation and "cannot be undone" in confirmation
    root.post(url, {"post": "yes"})
    assert not Article.objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize("rows", [20, 200])
def test_queue_page_runs_the_same_queries_with_20_or_200_rows(reviewer_client, annotator, rows):
    article = ArticleFactory()
    for n in range(rows):
        annotation = submitted(annotator, article, ago_hours=n, start=n % 40)
        annotation.evidence_links.create(evidence=EvidenceFactory(), stance="supports")
    reviewer_client.get(QUEUE)
    with CaptureQueriesContext(connection) as queries:
        response = reviewer_client.get(QUEUE + "?all=")
    assert len(response.context["cl"].result_list) == rows
    assert len(queries) <= 12, [q["sql"][:100] for q in queries]
    test_queue_page_runs_the_same_queries_with_20_or_200_rows.counts[rows] = len(queries)
    if len(test_queue_page_runs_the_same_queries_with_20_or_200_rows.counts) == 2:
        assert (
            len(set(test_queue_page_runs_the_same_queries_with_20_or_200_rows.counts.values())) == 1
        )


test_queue_page_runs_the_same_queries_with_20_or_200_rows.counts = {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_acting_at_once_one_wins_the_other_is_told():
    author = annotator(username="author")
    annotation = submitted(author)
    reviewers = [reviewer(username="r1"), reviewer(username="r2")]
    barrier = threading.Barrier(2)
    results = {}

    def act(user, decision):
        client = Client()
        client.force_login(user)
        barrier.wait()
        response = client.post(
            page(annotation), {"decision": decision, "note": "Decided.", "version": 1}
        )
        results[user.username] = response
        connection.close()

    threads = [
        threading.Thread(target=act, args=(reviewers[0], "approve")),
        threading.Thread(target=act, args=(reviewers[1], "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 302]  # one applied and redirected, the other shown the conflict
    loser = next(r for r in results.values() if r.status_code == 200)
    assert "Someone else changed this annotation" in loser.content.decode()
    annotation.refresh_from_db()
    assert annotation.status in (Status.APPROVED, Status.REJECTED)
    assert ReviewEvent.objects.filter(annotation=annotation).count() == 1


def _article_form(article, annotations, **changes):
    data = {
        "title": article.title,
        "publisher": article.publisher,
        "byline": article.byline,
        "source_url": "",
        "published_on": "",
        "body": article.body,
        "annotations-TOTAL_FORMS": str(len(annotations)),
        "annotations-INITIAL_FORMS": str(len(annotations)),
        "annotations-MIN_NUM_FORMS": "0",
        "annotations-MAX_NUM_FORMS": "0",
    }
    for n, annotation in enumerate(annotations):
        data[f"annotations-{n}-id"] = str(annotation.pk)
        data[f"annotations-{n}-article"] = str(article.pk)
        data[f"annotations-{n}-label"] = changes.get(f"{n}-label", annotation.label)
        data[f"annotations-{n}-note"] = changes.get(f"{n}-note", annotation.note)
    return data


def test_admins_correct_label_and_note_inline_until_approved(annotator):
    article = ArticleFactory()
    draft = AnnotationFactory(article=article, author=annotator, start=0)
    approved = AnnotationFactory(
        article=article, author=annotator, start=10, status=Status.APPROVED
    )
    root = Client()
    root.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = f"/admin/annotations/article/{article.pk}/change/"
    page = root.get(url).content.decode()
    assert 'name="annotations-0-note"' in page
    assert 'name="annotations-1-note"' in page and "disabled" in page
    data = _article_form(
        article,
        [draft, approved],
        **{"0-note": "Fixed by the desk.", "0-label": "denial", "1-note": "sneaky"},
    )
    response = root.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    approved.refresh_from_db()
    assert (draft.note, draft.label, draft.version) == ("Fixed by the desk.", "denial", 2)
    assert approved.note == ""  # disabled fields ignore what is posted
    assert draft.history.first().history_user.username == "root"


def test_reviewers_see_the_inline_annotations_read_only(reviewer_client, annotator):
    article = ArticleFactory()
    AnnotationFactory(article=article, author=annotator, status=Status.SUBMITTED)
    page = reviewer_client.get(f"/admin/annotations/article/{article.pk}/change/").content.decode()
    assert 'name="annotations-0-note"' not in page


def test_a_reviewer_reopens_approved_work_from_the_review_page(annotator, reviewer, article):
    approved = AnnotationFactory(article=article, author=annotator, status=Status.APPROVED)
    client = Client()
    client.force_login(reviewer)
    url = f"/admin/annotations/reviewqueue/{approved.pk}/change/"
    page = client.get(url).content.decode()
    assert 'value="reopen"' in page and 'value="approve"' not in page
    refused = client.post(url, {"decision": "reopen", "note": " ", "version": approved.version})
    assert "A note is required to reopen" in refused.content.decode()
    client.post(url, {"decision": "reopen", "note": "Name corrected.", "version": 1})
    approved.refresh_from_db()
    assert approved.status == Status.CHANGES_REQUESTED and approved.review_note == "Name corrected."


def test_the_queue_says_just_now_rather_than_zero_minutes(annotator, reviewer, article):
    AnnotationFactory(
        article=article, author=annotator, status=Status.SUBMITTED, submitted_at=timezone.now()
    )
    client = Client()
    client.force_login(reviewer)
    page = client.get("/admin/annotations/reviewqueue/").content.decode()
    assert "just now" in page and "0\xa0minutes" not in page


def test_the_article_lists_publisher_filter_names_articles_without_a_publisher(reviewer_client):
    pasted = ArticleFactory(title="Pasted without a publisher", publisher="")
    ArticleFactory(title="From the gazette")
    page = reviewer_client.get("/admin/annotations/article/").content.decode()
    assert '<a href="?publisher=">(no publisher)</a>' in page
    filtered = reviewer_client.get("/admin/annotations/article/?publisher=").content.decode()
    assert pasted.title in filtered and "From the gazette" not in filtered
