"""Verdicts (verdicting.py, claimreview.py and their API): drafting on an approved claim, the
four-eyes review, ClaimReview checked against schema.org 30.0 and Google's required fields,
the embed snippet read back by extruct, the feeds, and the W3C export's assessing body."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.choices import Label, LinkKind, Status, VerdictStatus
from annotations.models import AnnotationLink, Project, Verdict, VerdictEvent
from annotations.verdicts import claimreview, verdicting
from tests import factories
from tests.test_concurrency import in_parallel

pytestmark = pytest.mark.django_db

BODY = (
    "Ferry fares will double next spring, McCaul stated on Monday. The harbour authority denied it."
)
GOOGLE_REQUIRED = (
    "claimReviewed",
    "reviewRating",
    "itemReviewed",
    "url",
    "author",
    "datePublished",
)


def _load(shared_dir, name):
    spec = importlib.util.spec_from_file_location(name, shared_dir / "conformance" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def desk():
    project = Project.objects.create(
        name="Desk",
        slug="desk",
        publisher_name="The Test Gazette Fact Check",
        publisher_url="https://gazette.example/factcheck",
        publisher_logo_url="https://gazette.example/logo.png",
    )
    checker = factories.annotator(project, username="checker")
    editor = factories.reviewer(project, username="editor")
    second = factories.reviewer(project, username="second")
    article = factories.ArticleFactory(
        project=project,
        body=BODY,
        title="Fares",
        source_url="https://news.example/fares",
        published_on=dt.date(2026, 3, 14),
    )

    def span(text, label, status=Status.APPROVED):
        start = BODY.index(text)
        return factories.AnnotationFactory(
            article=article,
            author=checker,
            label=label,
            start=start,
            length=len(text),
            status=status,
            review_note="",
        )

    claim = span("Ferry fares will double next spring", Label.CLAIM)
    said = span("McCaul stated", Label.ATTRIBUTION)
    AnnotationLink.objects.create(source=said, target=claim, kind=LinkKind.ATTRIBUTES)
    return project, checker, editor, second, claim


def published(desk, **fields):
    project, checker, editor, second, claim = desk
    rating = verdicting.rating_named(project, "False")
    verdict = verdicting.draft(
        user=checker,
        claim=claim,
        rating=rating,
        review_url="https://gazette.example/factcheck/ferry-fares",
        **fields,
    )
    for step, who in (("submit", checker), ("approve", editor), ("publish", second)):
        verdict = verdicting.perform(step, verdict=verdict, user=who)
    return verdict


def test_a_draft_is_prefilled_from_the_claim(desk):
    project, checker, _editor, _second, claim = desk
    verdict = verdicting.draft(
        user=checker, claim=claim, rating=verdicting.rating_named(project, "mostly false")
    )
    assert (verdict.summary, verdict.claimant) == (
        "Ferry fares will double next spring",
        "McCaul stated",
    )
    assert verdict.claim_date == dt.date(2026, 3, 14)
    assert verdict.appearance_url == "https://news.example/fares"
    assert verdict.status == VerdictStatus.DRAFTED and verdict.rating.name == "Mostly false"
    names = [r.name for r in verdicting.ratings(project)]
    assert names == ["True", "Mostly true", "Mixed", "Mostly false", "False", "Unproven"]


def test_bad_input_gets_a_clear_error_and_nothing_is_stored(desk):
    project, checker, _editor, _second, claim = desk
    with pytest.raises(ValidationError) as refused:
        verdicting.rating_named(project, "Pants on fire")
    assert "rating" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        verdicting.draft(
            user=checker,
            claim=claim,
            rating=verdicting.rating_named(project, "False"),
            summary="x" * 301,
        )
    assert "summary" in refused.value.message_dict
    pending = factories.AnnotationFactory(
        article=claim.article, author=checker, label=Label.CLAIM, status=Status.SUBMITTED
    )
    with pytest.raises(ValidationError, match="Only an approved claim"):
        verdicting.draft(user=checker, claim=pending, rating=verdicting.ratings(project)[0])
    other = Project.objects.create(name="Other", slug="other")
    with pytest.raises(ValidationError) as refused:
        verdicting.draft(user=checker, claim=claim, rating=verdicting.ratings(other)[0])
    assert "rating" in refused.value.message_dict
    assert not Verdict.objects.exists()


def test_four_eyes_nobody_approves_their_own(desk):
    project, checker, editor, second, claim = desk
    verdict = verdicting.draft(
        user=editor, claim=claim, rating=verdicting.rating_named(project, "False")
    )
    verdicting.perform("submit", verdict=verdict, user=editor)
    with pytest.raises(PermissionDenied, match="your own verdict"):
        verdicting.perform("approve", verdict=verdict, user=editor)
    with pytest.raises(PermissionDenied, match="Only reviewers"):
        verdicting.perform("approve", verdict=verdict, user=checker)
    with pytest.raises(ValidationError) as refused:
        verdicting.perform("send_back", verdict=verdict, user=second)
    assert "note" in refused.value.message_dict
    back = verdicting.perform("send_back", verdict=verdict, user=second, note="Cite the memo.")
    assert back.status == VerdictStatus.DRAFTED
    steps = list(VerdictEvent.objects.values_list("actor__username", "to_status", "note"))
    assert steps == [("editor", "submitted", ""), ("second", "drafted", "Cite the memo.")]


def test_publishing_needs_the_organisation_and_the_article_url(desk):
    project, checker, editor, _second, claim = desk
    Project.objects.filter(pk=project.pk).update(publisher_url="")
    verdict = verdicting.draft(
        user=checker, claim=claim, rating=verdicting.rating_named(project, "False")
    )
    verdicting.perform("submit", verdict=verdict, user=checker)
    verdict = verdicting.perform("approve", verdict=verdict, user=editor)
    with pytest.raises(ValidationError) as refused:
        verdicting.perform("publish", verdict=verdict, user=editor)
    assert set(refused.value.message_dict) == {"publisher_url", "review_url"}
    assert Verdict.objects.get().status == VerdictStatus.APPROVED


def test_a_reviewer_alone_cannot_change_a_published_verdict(desk, client, client_for):
    _project, _checker, editor, _second, _claim = desk
    verdict = published(desk)
    url = f"/api/v1/verdicts/{verdict.pk}/"
    answer = client_for(editor).patch(url, {"rating": "Mostly false"}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "correct_published"
    assert "/api/v1/verdict-corrections/" in answer.json()["detail"]
    with pytest.raises(ValidationError, match="through a correction"):
        verdicting.change(user=editor, verdict=verdict, changes={"summary": "Fares double"})
    stored = Verdict.objects.get()
    assert (stored.rating.name, stored.summary, stored.modified_at) == ("False", BODY[:35], None)
    feed = json.loads(client.get("/feeds/desk/claimreviews.json").content)
    assert feed["dataFeedElement"][0]["reviewRating"]["alternateName"] == "False"


def public_rating(client, verdict):
    """The rating the public sees: in the feed, the ClaimReview and the W3C export."""
    feed = json.loads(client.get("/feeds/desk/claimreviews.json").content)
    (review,) = feed["dataFeedElement"]
    document = verdicting.document(Verdict.objects.get(pk=verdict.pk))
    return review["reviewRating"]["alternateName"], document["reviewRating"]["alternateName"]


def test_a_correction_goes_public_only_when_another_reviewer_approves_it(desk, client, client_for):
    project, checker, editor, second, _claim = desk
    verdict = published(desk)
    with pytest.raises(ValidationError) as refused:
        verdicting.propose_correction(
            user=editor, verdict=verdict, changes={"summary": "Fares rise"}, note=" "
        )
    assert "note" in refused.value.message_dict
    correction = verdicting.propose_correction(
        user=editor,
        verdict=verdict,
        changes={
            "rating": verdicting.rating_named(project, "Mostly false"),
            "summary": "Ferry fares will rise by half next spring",
        },
        note="The memo says half, not double.",
    )
    # Meanwhile the published version stays live everywhere.
    assert public_rating(client, verdict) == ("False", "False")
    exporter = factories.exporter(project, username="data")
    w3c = client_for(exporter).get(
        "/api/v1/export/annotations/", {"format": "w3c", "after": 0, "label": "claim"}
    )
    (item,) = w3c.json()["items"]
    assert [b["value"] for b in item["body"] if b.get("purpose") == "assessing"] == ["False"]
    assert "dateModified" not in verdicting.document(Verdict.objects.get())
    # Four eyes: not whoever proposed it, not a fact-checker who does not review.
    with pytest.raises(PermissionDenied, match="your own correction"):
        verdicting.decide_correction("approve", correction=correction, user=editor)
    with pytest.raises(PermissionDenied, match="Only reviewers"):
        verdicting.decide_correction("approve", correction=correction, user=checker)
    assert public_rating(client, verdict) == ("False", "False")
    approved = verdicting.decide_correction(
        "approve", correction=correction, user=second, note="Checked against the memo."
    )
    assert public_rating(client, verdict) == ("Mostly false", "Mostly false")
    corrected = Verdict.objects.get()
    assert corrected.summary == "Ferry fares will rise by half next spring"
    assert corrected.modified_at == approved.decided_at
    assert verdicting.document(corrected)["dateModified"] == corrected.modified_at.isoformat()
    served = client_for(checker).get(f"/api/v1/verdicts/{verdict.pk}/claimreview/").json()
    assert served["dateModified"] == corrected.modified_at.isoformat()
    # What changed, who proposed, who approved and why: kept with the verdict.
    (kept,) = corrected.corrections.all()
    assert kept.changes == {
        "rating": {"from": "False", "to": "Mostly false"},
        "summary": {"from": BODY[:35], "to": "Ferry fares will rise by half next spring"},
    }
    assert (kept.status, kept.proposed_by, kept.decided_by) == ("approved", editor, second)
    assert (kept.note, kept.decision_note) == (
        "The memo says half, not double.",
        "Checked against the memo.",
    )
    assert corrected.history.first().history_user == second


def test_a_correction_is_rejected_or_withdrawn_and_one_waits_at_a_time(desk):
    _project, checker, editor, second, _claim = desk
    verdict = published(desk)

    def propose(user, note="Typo in the summary."):
        return verdicting.propose_correction(
            user=user, verdict=verdict, changes={"summary": "Ferry fares to double"}, note=note
        )

    first = propose(checker)  # any fact-checker of the desk may propose one
    with pytest.raises(verdicting.VerdictConflict) as refused:
        propose(editor)
    assert refused.value.reason_code == "correction_pending"
    with pytest.raises(PermissionDenied, match="Only who proposed"):
        verdicting.decide_correction("withdraw", correction=first, user=editor)
    with pytest.raises(ValidationError) as refused:
        verdicting.decide_correction("reject", correction=first, user=editor)
    assert "note" in refused.value.message_dict
    rejected = verdicting.decide_correction(
        "reject", correction=first, user=editor, note="The summary was right."
    )
    assert (rejected.status, rejected.decided_by) == ("rejected", editor)
    with pytest.raises(verdicting.VerdictConflict, match="rejected"):
        verdicting.decide_correction("approve", correction=first, user=second)
    withdrawn = verdicting.decide_correction("withdraw", correction=propose(checker), user=checker)
    assert withdrawn.status == "withdrawn"
    with pytest.raises(ValidationError, match="changes nothing"):
        verdicting.propose_correction(
            user=checker, verdict=verdict, changes={"summary": verdict.summary}, note="Same."
        )
    # Retracting the verdict withdraws what was waiting to correct it.
    waiting = propose(checker)
    verdicting.perform("retract", verdict=verdict, user=second, note="The memo was forged.")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by, waiting.decision_note) == (
        "withdrawn",
        second,
        "The memo was forged.",
    )
    stored = Verdict.objects.get()
    assert stored.summary == BODY[:35] and stored.modified_at is None
    with pytest.raises(verdicting.VerdictConflict, match="Only a published verdict"):
        propose(checker)


def test_the_api_proposes_and_decides_corrections(desk, client_for):
    _project, checker, editor, second, _claim = desk
    verdict = published(desk)
    proposed = client_for(editor).post(
        "/api/v1/verdict-corrections/",
        {"verdict": verdict.pk, "rating": "Mostly false", "note": "Half, not double."},
        format="json",
    )
    assert proposed.status_code == 201, proposed.content
    correction = proposed.json()
    assert correction["changes"] == {"rating": {"from": "False", "to": "Mostly false"}}
    assert (correction["status"], correction["actions"]) == ("pending", ["withdraw"])
    again = client_for(checker).post(
        "/api/v1/verdict-corrections/",
        {"verdict": verdict.pk, "summary": "Other", "note": "Other."},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "correction_pending"
    bad = client_for(checker).post(
        "/api/v1/verdict-corrections/",
        {"verdict": verdict.pk, "rating": "Pants on fire", "note": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "rating" in bad.json()["errors"]
    seen = client_for(second).get(f"/api/v1/verdicts/{verdict.pk}/").json()
    assert seen["rating"] == "False" and seen["correction"]["id"] == correction["id"]
    assert seen["correction"]["actions"] == ["approve", "reject"]
    url = f"/api/v1/verdict-corrections/{correction['id']}/"
    assert client_for(editor).post(url + "approve/").status_code == 403
    done = client_for(second).post(url + "approve/", {"note": "Agreed."}, format="json")
    assert done.status_code == 200 and done.json()["decided_by"] == "second"
    after = client_for(checker).get(f"/api/v1/verdicts/{verdict.pk}/").json()
    assert (after["rating"], after["correction"]) == ("Mostly false", None)
    assert after["modified_at"] is not None
    assert client_for(second).post(url + "reject/", {"note": "x"}).status_code == 409
    listed = client_for(checker).get("/api/v1/verdict-corrections/", {"verdict": verdict.pk})
    assert [c["status"] for c in listed.json()["results"]] == ["approved"]


def test_claim_review_is_served_only_while_published(desk, client_for):
    project, checker, editor, second, claim = desk
    verdict = verdicting.draft(
        user=checker,
        claim=claim,
        rating=verdicting.rating_named(project, "False"),
        review_url="https://gazette.example/factcheck/ferry-fares",
    )
    url = f"/api/v1/verdicts/{verdict.pk}/claimreview/"
    reader = client_for(factories.annotator(project, username="reader"))

    def answers():
        return [
            reader.get(url, {"as": wanted} if wanted else {})
            for wanted in (None, "html", "factcheck-tools")
        ]

    for step, who in ((None, None), ("submit", checker), ("approve", editor)):
        if step:
            verdicting.perform(step, verdict=verdict, user=who)
        for answer in answers():
            assert answer.status_code == 409, answer.content
            assert answer.json()["code"] == "not_published"
    verdicting.perform("publish", verdict=verdict, user=second)
    assert [a.status_code for a in answers()] == [200, 200, 200]
    verdicting.perform("retract", verdict=verdict, user=second, note="The memo was forged.")
    for answer in answers():
        assert answer.status_code == 409 and answer.json()["code"] == "retracted"


def test_the_embed_snippet_is_utf8_html_that_cannot_open_a_comment_or_a_script(desk, client_for):
    import extruct

    _project, checker, *_rest = desk
    summary = "“Fares” <!--<script>alert(1)</script> & </SCRIPT ><!-- double"
    verdict = published(desk, summary=summary)
    answer = client_for(checker).get(f"/api/v1/verdicts/{verdict.pk}/claimreview/", {"as": "html"})
    assert answer["Content-Type"] == "text/html; charset=utf-8"
    snippet = answer.content.decode("utf-8")
    inside = snippet.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert not {"<", ">", "&"} & set(inside)
    assert "“Fares”" in inside  # no mojibake: the quotes stay as they are
    html = f"<html><head><title>Check</title></head><body>{snippet}<p>After</p></body></html>"
    found = extruct.extract(html, syntaxes=["json-ld"])["json-ld"]
    assert found == [verdicting.document(verdict)] and found[0]["claimReviewed"] == summary


def test_the_schema_documents_each_claimreview_media_type(client):
    document = client.get("/api/schema/?format=json").json()
    responses = document["paths"]["/api/v1/verdicts/{id}/claimreview/"]["get"]["responses"]
    assert set(responses["200"]["content"]) == {
        "application/ld+json",
        "text/html",
        "application/json",
    }
    assert "409" in responses


def test_claim_review_passes_schema_org_and_google(desk, shared_dir):
    validator = _load(shared_dir, "validate_schemaorg")
    documents = [verdicting.document(published(desk, claimant_is_organization=True))]
    project, checker, _editor, _second, claim = desk
    unproven = verdicting.draft(
        user=checker,
        claim=claim,
        rating=verdicting.rating_named(project, "Unproven"),
        review_url="https://gazette.example/factcheck/other",
        claim_date=None,
    )
    documents.append(verdicting.document(unproven))  # no ratingValue, no claim date
    documents.append(claimreview.data_feed("Fact-checks", documents, documents[0]["datePublished"]))
    for document in documents:
        assert validator.failures(document) == [], document
    review = documents[0]
    for field in GOOGLE_REQUIRED:
        assert review.get(field), field
    assert review["reviewRating"]["alternateName"] == "False"
    assert (review["reviewRating"]["bestRating"], review["reviewRating"]["worstRating"]) == (5, 1)
    assert review["reviewRating"]["ratingValue"] == 1
    item = review["itemReviewed"]
    assert item["@type"] == "Claim" and item["author"]["name"] == "McCaul stated"
    assert item["author"]["@type"] == "Organization"
    assert (
        item["appearance"]["url"] == item["firstAppearance"]["url"] == "https://news.example/fares"
    )
    assert review["author"]["url"] == "https://gazette.example/factcheck"


def test_the_embed_snippet_reads_back_the_same_with_extruct(desk):
    import extruct

    verdict = published(desk, summary="Fares will </script><script>alert(1)</script> double")
    document = verdicting.document(verdict)
    snippet = claimreview.embed(document)
    assert snippet.count("</script>") == 1  # the summary cannot close the element
    html = f"<html><head><title>Check</title></head><body><p>Text</p>{snippet}</body></html>"
    found = extruct.extract(html, syntaxes=["json-ld"])["json-ld"]
    assert found == [document]


def test_markup_page_for_fact_check_tools(desk):
    page = verdicting.markup_page(published(desk))
    markup = page["claimReviewMarkups"][0]
    assert page["pageUrl"] == markup["url"] == "https://gazette.example/factcheck/ferry-fares"
    assert markup["rating"] == {
        "textualRating": "False",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert markup["claimAuthor"] == {"name": "McCaul stated"}
    assert page["claimReviewAuthor"]["name"] == "The Test Gazette Fact Check"


# The API and the feeds ----------------------------------------------------------------------


def test_the_api_drafts_reviews_and_publishes(desk, client_for):
    _project, checker, editor, _second, claim = desk
    answer = client_for(checker).post(
        "/api/v1/verdicts/",
        {"claim": claim.pk, "rating": "False", "review_url": "https://gazette.example/fc/1"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    verdict = answer.json()
    assert verdict["claimant"] == "McCaul stated" and verdict["actions"] == ["submit"]
    bad = client_for(checker).post(
        "/api/v1/verdicts/", {"claim": claim.pk, "rating": "Pants on fire"}, format="json"
    )
    assert bad.status_code == 400 and "rating" in bad.json()["errors"]
    url = f"/api/v1/verdicts/{verdict['id']}/"
    assert client_for(checker).post(url + "submit/").status_code == 200
    assert client_for(checker).post(url + "approve/").status_code == 403
    assert client_for(editor).post(url + "approve/").json()["status"] == "approved"
    assert client_for(editor).post(url + "retract/").status_code == 400
    live = client_for(editor).post(url + "publish/").json()
    assert live["status"] == "published" and live["published_at"]
    document = client_for(checker).get(url + "claimreview/")
    assert document["Content-Type"] == "application/ld+json"
    assert document.json()["@type"] == "ClaimReview"
    snippet = client_for(checker).get(url + "claimreview/", {"as": "html"}).content.decode()
    assert snippet.startswith('<script type="application/ld+json">')


def test_the_feeds_show_published_verdicts_until_retracted(desk, client, client_for):
    project, _checker, editor, _second, _claim = desk
    verdict = published(desk)
    feed = client.get("/feeds/desk/claimreviews.json")  # public, no log-in
    assert feed.status_code == 200 and feed["X-Total-Count"] == "1"
    document = json.loads(feed.content)
    assert document["@type"] == "DataFeed"
    assert document["dataFeedElement"][0]["claimReviewed"] == verdict.summary
    exporter = factories.exporter(project, username="data")
    since = (verdict.updated_at + dt.timedelta(seconds=1)).isoformat()
    exported = client_for(exporter).get("/api/v1/export/claimreviews/", {"updated_since": since})
    assert json.loads(exported.content)["dataFeedElement"] == []
    bad = client_for(exporter).get("/api/v1/export/claimreviews/", {"updated_since": "soon"})
    assert bad.status_code == 400 and "updated_since" in bad.json()["errors"]
    verdicting.perform("retract", verdict=verdict, user=editor, note="The memo was a forgery.")
    assert json.loads(client.get("/feeds/desk/claimreviews.json").content)["dataFeedElement"] == []


def test_the_feed_pages_with_a_link(desk, client):
    project, checker, editor, second, claim = desk
    for n in range(3):
        other = factories.AnnotationFactory(
            article=claim.article, author=checker, label=Label.CLAIM, status=Status.APPROVED,
            start=n, length=5,
        )  # fmt: skip
        verdict = verdicting.draft(
            user=checker,
            claim=other,
            rating=verdicting.rating_named(project, "True"),
            review_url=f"https://gazette.example/fc/{n}",
            claimant="The harbour authority",
        )
        for step, who in (("submit", checker), ("approve", editor), ("publish", second)):
            verdict = verdicting.perform(step, verdict=verdict, user=who)
    first = client.get("/feeds/desk/claimreviews.json", {"page_size": 2})
    assert len(json.loads(first.content)["dataFeedElement"]) == 2
    following = first["Link"].split(">")[0].lstrip("<").removeprefix("http://testserver")
    rest = json.loads(client.get(following).content)["dataFeedElement"]
    assert len(rest) == 1 and "Link" not in client.get(following)


def test_the_w3c_export_carries_the_verdict_as_an_assessing_body(desk, client_for, shared_dir):
    validator = _load(shared_dir, "validate_w3c")
    project, *_ = desk
    verdict = published(desk)
    exporter = factories.exporter(project, username="data")
    page = (
        client_for(exporter)
        .get("/api/v1/export/annotations/", {"format": "w3c", "after": 0, "label": "claim"})
        .json()
    )
    (item,) = page["items"]
    assert validator.failures("annotation", item) == []
    assessing = [b for b in item["body"] if b.get("purpose") == "assessing"]
    assert assessing == [
        {
            "type": "TextualBody",
            "purpose": "assessing",
            "value": "False",
            "format": "text/plain",
            "verdict": f"http://testserver/api/v1/verdicts/{verdict.pk}/claimreview/",
        }
    ]


def test_only_fact_checkers_of_the_project_draft(desk):
    project, *_rest, claim = desk
    outsider = factories.annotator(Project.objects.create(name="O", slug="o"), username="o")
    exporter = factories.exporter(project, username="x")
    for user in (outsider, exporter):
        with pytest.raises(PermissionDenied):
            verdicting.draft(user=user, claim=claim, rating=verdicting.ratings(project)[0])


def test_the_desk_drafts_on_the_page_and_decides_in_admin(desk, client):
    project, checker, editor, second, claim = desk
    client.force_login(checker)
    form = client.get(f"/claims/{claim.pk}/verdict/").content.decode()
    assert 'value="McCaul stated"' in form  # prefilled from the attribution
    false = verdicting.rating_named(project, "False")
    fields = {
        "rating": false.pk,
        "summary": "Ferry fares will double next spring",
        "claimant": "McCaul stated",
        "claim_date": "2026-03-14",
        "appearance_url": "https://news.example/fares",
        "review_url": "https://gazette.example/factcheck/ferry-fares",
    }
    too_long = client.post(f"/claims/{claim.pk}/verdict/", {**fields, "summary": "x" * 301})
    assert too_long.status_code == 200 and "field-error" in too_long.content.decode()
    answer = client.post(f"/claims/{claim.pk}/verdict/", fields)
    verdict = Verdict.objects.get()
    assert answer["Location"] == f"/verdicts/{verdict.pk}/"
    client.post(f"/verdicts/{verdict.pk}/", {"step": "submit"})
    assert Verdict.objects.get().status == VerdictStatus.SUBMITTED
    # The author cannot approve it, in admin either.
    step = f"/admin/annotations/verdict/{verdict.pk}/step/"
    client.force_login(editor)
    page = client.get(f"/admin/annotations/verdict/{verdict.pk}/change/").content.decode()
    assert 'value="approve"' in page and 'value="publish"' not in page
    client.post(step, {"step": "approve"})
    client.force_login(second)
    client.post(step, {"step": "publish"})
    verdict.refresh_from_db()
    assert verdict.status == VerdictStatus.PUBLISHED
    page = client.get(f"/admin/annotations/verdict/{verdict.pk}/change/").content.decode()
    assert 'id="claimreview-snippet"' in page and "data-copy" in page
    assert "&lt;script type=&quot;application/ld+json&quot;&gt;" in page
    refused = client.post(step, {"step": "retract"}, follow=True).content.decode()
    assert "A note is required" in refused
    assert Verdict.objects.get().status == VerdictStatus.PUBLISHED


def test_a_stale_if_match_changes_nothing(desk, client_for):
    project, checker, _editor, _second, claim = desk
    verdict = verdicting.draft(
        user=checker, claim=claim, rating=verdicting.rating_named(project, "False")
    )
    client = client_for(checker)
    url = f"/api/v1/verdicts/{verdict.pk}/"
    stale = client.patch(url, {"claimant": "Someone else"}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412 and "verdict has changed" in stale.json()["detail"]
    fresh = client.patch(url, {"claimant": "Someone else"}, format="json", HTTP_IF_MATCH='"1"')
    assert fresh.status_code == 200 and fresh["ETag"] == '"2"'
    assert Verdict.objects.get().claimant == "Someone else"


def test_a_correction_is_proposed_on_the_page_and_decided_in_admin(desk, client):
    project, checker, _editor, second, _claim = desk
    verdict = published(desk)
    client.force_login(checker)
    page = client.get(f"/verdicts/{verdict.pk}/").content.decode()
    assert 'value="propose_correction"' in page
    mostly = verdicting.rating_named(project, "Mostly false")
    fields = {
        "rating": mostly.pk,
        "summary": verdict.summary,
        "claimant": verdict.claimant,
        "claim_date": "2026-03-14",
        "appearance_url": verdict.appearance_url,
        "review_url": verdict.review_url,
        "step": "propose_correction",
    }
    refused = client.post(f"/verdicts/{verdict.pk}/", fields)
    assert refused.status_code == 200 and "field-error" in refused.content.decode()  # no note
    client.post(f"/verdicts/{verdict.pk}/", {**fields, "note": "Half, not double."})
    correction = verdict.corrections.get()
    assert correction.changes == {"rating": {"from": "False", "to": "Mostly false"}}
    page = client.get(f"/verdicts/{verdict.pk}/").content.decode()
    assert 'id="pending-correction"' in page and 'value="propose_correction"' not in page
    client.force_login(second)
    admin_page = client.get(f"/admin/annotations/verdict/{verdict.pk}/change/").content.decode()
    assert 'value="correction_approve"' in admin_page
    # The decision forms stand outside the change form: a form nested in another is dropped.
    change_form = admin_page.index("</form>", admin_page.index('id="verdict_form"'))
    assert admin_page.index('value="correction_approve"') > change_form
    step = f"/admin/annotations/verdict/{verdict.pk}/step/"
    client.post(step, {"step": "correction_approve", "correction": correction.pk})
    verdict.refresh_from_db()
    assert verdict.rating == mostly and verdict.modified_at is not None
    page = client.get(f"/verdicts/{verdict.pk}/").content.decode()
    assert "Half, not double." in page and "second" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_verdicts_of_one_claim_published_at_once_one_wins_the_other_is_told_why(
    desk, client_for
):
    project, checker, editor, second, claim = desk
    codes = []
    for round_ in range(4):  # a few rounds: the threads do not always meet
        other = factories.AnnotationFactory(
            article=claim.article, author=checker, label=Label.CLAIM, status=Status.APPROVED,
            start=round_, length=5,
        )  # fmt: skip
        approved = []
        for n in range(2):
            verdict = verdicting.draft(
                user=checker,
                claim=other,
                rating=verdicting.rating_named(project, "False"),
                review_url=f"https://gazette.example/factcheck/{round_}-{n}",
                claimant="The harbour authority",
            )
            verdicting.perform("submit", verdict=verdict, user=checker)
            approved.append(verdicting.perform("approve", verdict=verdict, user=editor))
        answers = in_parallel(
            *(
                lambda v=verdict: client_for(second).post(f"/api/v1/verdicts/{v.pk}/publish/")
                for verdict in approved
            )
        )
        codes.append(sorted(a.status_code for a in answers))
        assert codes[-1] == [200, 409], [a.content for a in answers]
        refused = [a.json() for a in answers if a.status_code == 409]
        assert [r["code"] for r in refused] == ["claim_has_published_verdict"], refused
        assert "retract it first" in refused[0]["detail"]
    assert Verdict.objects.filter(status=VerdictStatus.PUBLISHED).count() == 4


def test_admin_offers_a_correction_form_whose_proposal_waits_for_another_reviewer(desk, client):
    project, _checker, editor, second, _claim = desk
    verdict = published(desk)
    client.force_login(editor)
    change = f"/admin/annotations/verdict/{verdict.pk}/change/"
    page = client.get(change).content.decode()
    assert 'value="propose_correction"' in page and 'name="correction-note"' in page
    fields = {
        "correction-rating": verdicting.rating_named(project, "Mostly false").pk,
        "correction-summary": "Ferry fares will rise by half next spring",
        "correction-claimant": verdict.claimant,
        "correction-claim_date": "2026-03-14",
        "correction-appearance_url": verdict.appearance_url,
        "correction-review_url": verdict.review_url,
        "step": "propose_correction",
    }
    step = f"/admin/annotations/verdict/{verdict.pk}/step/"
    refused = client.post(step, fields, follow=True).content.decode()
    assert "What is corrected, and why" in refused and not verdict.corrections.exists()
    client.post(step, {**fields, "correction-note": "Half, not double."})
    correction = verdict.corrections.get()
    assert set(correction.changes) == {"rating", "summary"}
    assert Verdict.objects.get().rating.name == "False"  # not public yet
    page = client.get(change).content.decode()
    assert 'value="correction_withdraw"' in page and 'value="correction_approve"' not in page
    client.force_login(second)
    client.post(step, {"step": "correction_reject", "correction": correction.pk, "note": "No."})
    correction.refresh_from_db()
    assert (correction.status, correction.decided_by) == ("rejected", second)
    assert Verdict.objects.get().rating.name == "False"


def test_the_corrections_list_does_not_query_per_row(desk, client_for):
    _project, checker, editor, _second, _claim = desk
    verdict = published(desk)
    reader = client_for(editor)

    def count() -> int:
        reader.get("/api/v1/verdict-corrections/")
        with CaptureQueriesContext(connection) as queries:
            assert reader.get("/api/v1/verdict-corrections/").status_code == 200
        return len(queries)

    def propose_and_withdraw(n: int) -> None:
        correction = verdicting.propose_correction(
            user=checker, verdict=verdict, changes={"claimant": f"Someone {n}"}, note="Who?"
        )
        verdicting.decide_correction("withdraw", correction=correction, user=checker)

    propose_and_withdraw(0)
    few = count()
    for n in range(1, 6):
        propose_and_withdraw(n)
    assert count() == few
