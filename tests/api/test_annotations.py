import pytest

from annotations.choices import Status
from annotations.models import Annotation, Evidence, ReviewEvent
from tests.factories import AnnotationFactory, ArticleFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/annotations/"


def detail(annotation_id, suffix=""):
    return f"{URL}{annotation_id}/{suffix}"


def create(client, on, **data):
    return client.post(URL, {"article": on.pk, "label": "claim", **data}, format="json")


def test_create_with_offsets_and_the_quote_seen(client_for, annotator, article):
    start = article.body.index("bridge")
    response = create(client_for(annotator), article, start=start, end=start + 6, quote="bridge")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["start"], body["end"], body["quote"]) == (start, start + 6, "bridge")
    assert body["status"] == "draft"
    assert body["author"] == "annotator"
    assert body["prefix"] == article.body[max(0, start - 32) : start]
    assert response["ETag"] == '"1"'


def test_create_answers_without_reading_the_annotation_back(
    client_for, annotator, article, django_assert_num_queries, settings
):
    from django.db import connection

    # The write throttle counts in the shared cache: Redis in production, not these queries.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": None},
    }
    client = client_for(annotator)
    # the user's roles, the article with its project, then the row with its history row: one
    # statement on PostgreSQL; elsewhere two, in a savepoint (inside the test's transaction)
    writes = 1 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(2 + writes) as queries:
        response = create(client, article, quote="Officials denied it.")
    assert response.status_code == 201
    # Nothing is read once the write is committed: a database that goes away then cannot
    # turn a stored annotation into an error for the client.
    statements = [q["sql"] for q in queries.captured_queries]
    committed = max(i for i, sql in enumerate(statements) if "historicalannotation" in sql)
    assert not [sql for sql in statements[committed:] if sql.startswith("SELECT")]
    assert response.json()["evidence"] == [] and response.json()["links"] == []
    assert response.json()["actions"] == ["edit", "delete", "submit"]


def test_a_session_reads_its_user_and_their_roles_in_one_query_and_never_keeps_them(
    annotator, article, django_assert_num_queries, settings
):
    """Logged in through the log-in page, as editors are: the session's user comes with their
    roles in one query, read again on every request, so a role taken away counts at once."""
    from django.db import connection
    from django.test import Client

    from annotations.models import Membership

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": None},
    }
    annotator.set_password("correct horse battery staple")
    annotator.save()
    client = Client()
    logged_in = client.post(
        "/accounts/login/",
        {"username": "annotator", "password": "correct horse battery staple"},
    )
    assert logged_in.status_code == 302
    body = {"article": article.pk, "label": "claim", "quote": "Officials denied it."}
    # the session (from the cache), the user with their roles, the article with its project,
    # the row with its history row (one statement on PostgreSQL; two in a savepoint elsewhere)
    writes = 1 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(3 + writes) as queries:
        response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.content
    reading_roles = [q["sql"] for q in queries.captured_queries if "membership" in q["sql"]]
    assert len(reading_roles) == 1 and '"auth_user"."password"' in reading_roles[0]
    Membership.objects.filter(user=annotator).delete()
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code in (400, 403)  # the article is not theirs to see any more


def test_create_with_a_quote_alone_finds_it(client_for, annotator, article):
    response = create(client_for(annotator), article, quote="Officials denied it.")
    assert response.status_code == 201
    assert response.json()["start"] == article.body.index("Officials")


def test_an_ambiguous_quote_without_context_gets_a_400_that_says_so(client_for, annotator):
    article = ArticleFactory(body="Taxes rose. Then taxes rose again.")
    response = create(client_for(annotator), article, quote="taxes rose")
    assert response.status_code == 201  # case differs: only one "taxes rose"
    response = create(client_for(annotator), article, quote="rose")
    assert response.status_code == 400
    assert "occurs 2 times" in response.json()["errors"]["quote"][0]
    response = create(client_for(annotator), article, quote="rose", suffix=" again")
    assert response.status_code == 201
    assert response.json()["start"] == article.body.rindex("rose")


def test_an_annotation_after_an_emoji_round_trips_with_code_point_offsets(client_for, annotator):
    article = ArticleFactory(body="Rocket 🚀 launch: the mission “succeeded”, NASA said.")
    start = article.body.index("the mission")
    client = client_for(annotator)
    created = create(client, article, start=start, end=start + 11, quote="the mission")
    assert created.status_code == 201, created.json()
    fetched = client.get(detail(created.json()["id"])).json()
    assert (fetched["start"], fetched["end"]) == (start, start + 11)
    assert article.body[fetched["start"] : fetched["end"]] == "the mission"
    # The same quote at UTF-16 offsets (one more unit for the emoji) is refused.
    utf16 = create(client, article, start=start + 1, end=start + 12, quote="the mission")
    assert utf16.status_code == 400
    assert "quote" in utf16.json()["errors"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start": 0, "end": 999_999, "quote": "x"}, "end"),
        ({"start": -1, "end": 3, "quote": "The"}, "start"),
        ({"start": 5, "end": 5, "quote": "x"}, "end"),
        ({"start": 6, "end": 2, "quote": "x"}, "end"),
        ({"start": 0, "end": 3, "quote": "Thx"}, "quote"),
        ({"start": 0}, "end"),
        ({"start": "zero", "end": 3, "quote": "The"}, "start"),
        ({"start": 0, "end": 3, "quote": "The", "label": "rumour"}, "label"),
        ({"start": 0, "end": 3, "quote": "The", "note": "x" * 10_001}, "note"),
        ({"start": 0, "end": 3, "quote": "The", "note": 5}, "note"),
        ({"start": 0, "end": 3, "quote": "The", "status": "approved"}, "status"),
        ({"start": 0, "end": 3, "quote": "The", "author": "someone"}, "author"),
        ({"start": 0, "end": 3, "quote": "The", "article": 999_999}, "article"),
        ({"quote": "not in the text"}, "quote"),
        ({}, "quote"),
    ],
)
def test_bad_input_gets_a_400_naming_the_field(client_for, annotator, article, data, field):
    response = create(client_for(annotator), article, **data)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Annotation.objects.exists()


def test_a_lone_surrogate_in_json_gets_a_400_not_a_500(client_for, annotator, article):
    raw = '{"article": ARTICLE, "label": "claim", "quote": "Th\\ud800"}'.replace(
        "ARTICLE", str(article.pk)
    )
    response = client_for(annotator).post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert "quote" in response.json()["errors"]


def test_malformed_json_gets_a_400(client_for, annotator):
    response = client_for(annotator).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_json_list_instead_of_an_object_gets_a_400(client_for, annotator):
    response = client_for(annotator).post(URL, [1, 2], format="json")
    assert response.status_code == 400


def test_patching_status_author_reviewer_or_version_is_refused(client_for, annotator, draft):
    client = client_for(annotator)
    for field, value in [
        ("status", "approved"),
        ("author", "x"),
        ("reviewer", "x"),
        ("version", 7),
    ]:
        response = client.patch(detail(draft.pk), {field: value}, format="json")
        assert response.status_code == 400
        assert field in response.json()["errors"]
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Status.DRAFT, 1)
    empty = client.patch(detail(draft.pk), {}, format="json")
    assert empty.status_code == 400


def test_patch_changes_label_note_and_span_and_bumps_the_version(client_for, annotator, draft):
    response = client_for(annotator).patch(
        detail(draft.pk),
        {"label": "denial", "note": "Checked.", "quote": "Officials denied it."},
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["label"], body["note"], body["version"]) == ("denial", "Checked.", 2)
    assert body["quote"] == "Officials denied it."
    assert response["ETag"] == '"2"'


def test_an_edit_finds_its_annotation_alone_and_answers_with_everything_shown(
    client_for, annotator, draft, django_assert_num_queries, settings
):
    """Only the answer reads evidence, links and history; finding the annotation does not."""
    from annotations.models import Evidence, EvidenceLink

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": None},
    }
    evidence = Evidence.objects.create(
        project=draft.project, url="https://example.org/report", title="Report"
    )
    EvidenceLink.objects.create(annotation=draft, evidence=evidence, stance="supports")
    client = client_for(annotator)
    # roles; the annotation found; a savepoint, the row locked, a savepoint, its update and
    # history row, both released; the answer: the annotation, evidence, links, history
    with django_assert_num_queries(13) as queries:
        response = client.patch(detail(draft.pk), {"note": "Checked."}, format="json")
    assert response.status_code == 200, response.content
    found = queries.captured_queries[1]["sql"]
    assert "annotations_annotation" in found and "evidencelink" not in found
    assert response.json()["evidence"][0]["url"] == "https://example.org/report"
    assert (response.json()["note"], response.json()["version"]) == ("Checked.", 2)


def test_a_stale_if_match_gets_412_and_leaves_the_row_as_it_was(client_for, annotator, draft):
    client = client_for(annotator)
    client.patch(detail(draft.pk), {"note": "first"}, format="json")
    response = client.patch(
        detail(draft.pk), {"note": "second"}, format="json", headers={"If-Match": '"1"'}
    )
    assert response.status_code == 412
    draft.refresh_from_db()
    assert (draft.note, draft.version) == ("first", 2)


def test_a_stale_version_in_the_body_gets_409(client_for, annotator, draft):
    client = client_for(annotator)
    client.patch(detail(draft.pk), {"note": "first"}, format="json")
    response = client.patch(detail(draft.pk), {"note": "second", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    draft.refresh_from_db()
    assert draft.note == "first"


def test_actions_honour_if_match(client_for, annotator, draft):
    client = client_for(annotator)
    stale = client.post(detail(draft.pk, "submit/"), {}, format="json", headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    assert not ReviewEvent.objects.exists()
    fresh = client.post(detail(draft.pk, "submit/"), {}, format="json", headers={"If-Match": '"1"'})
    assert fresh.status_code == 200
    assert fresh.json()["status"] == "submitted"


def test_the_full_review_cycle_through_the_actions(client_for, annotator, reviewer, draft):
    author, checker = client_for(annotator), client_for(reviewer)
    assert author.post(detail(draft.pk, "submit/"), {}, format="json").status_code == 200
    refused = checker.post(detail(draft.pk, "request-changes/"), {}, format="json")
    assert refused.status_code == 400
    assert "note" in refused.json()["errors"]
    sent_back = checker.post(
        detail(draft.pk, "request-changes/"), {"note": "Wider."}, format="json"
    )
    assert sent_back.json()["status"] == "changes_requested"
    assert author.get(detail(draft.pk)).json()["review_note"] == "Wider."
    assert author.post(detail(draft.pk, "submit/"), {}, format="json").status_code == 200
    approved = checker.post(detail(draft.pk, "approve/"), {}, format="json")
    assert approved.json()["status"] == "approved"
    assert approved.json()["reviewer"] == "reviewer"
    again = checker.post(detail(draft.pk, "approve/"), {}, format="json")
    assert again.status_code == 409


def test_attach_and_detach_evidence_with_a_stance(client_for, annotator, draft):
    client = client_for(annotator)
    response = client.post(
        detail(draft.pk, "evidence/"),
        {"url": "https://stats.example.org/q1", "title": "Q1 figures", "stance": "refutes"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    (evidence,) = response.json()["evidence"]
    assert (evidence["url"], evidence["stance"]) == ("https://stats.example.org/q1", "refutes")
    removed = client.delete(detail(draft.pk, f"evidence/{evidence['evidence']}/"))
    assert removed.status_code == 200
    assert removed.json()["evidence"] == []
    for beyond in ["9223372036854775808", "68756402994883769266"]:  # past any row id
        missing = client.delete(detail(draft.pk, f"evidence/{beyond}/"))
        assert missing.status_code == 400 and "evidence" in missing.json()["errors"]


def test_existing_evidence_is_attached_by_id_and_reused_by_url(client_for, annotator, draft):
    source = EvidenceFactory(url="https://example.org/report")
    client = client_for(annotator)
    by_id = client.post(
        detail(draft.pk, "evidence/"), {"evidence": source.pk, "stance": "context"}, format="json"
    )
    assert by_id.json()["evidence"][0]["evidence"] == source.pk
    other = AnnotationFactory(article=draft.article, author=annotator, start=10)
    by_url = client.post(
        detail(other.pk, "evidence/"),
        {"url": source.url, "title": "Same report", "stance": "supports"},
        format="json",
    )
    assert by_url.json()["evidence"][0]["evidence"] == source.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "javascript:alert(1)", "title": "x", "stance": "supports"}, "url"),
        ({"url": "data:text/html,hi", "title": "x", "stance": "supports"}, "url"),
        ({"url": "https://example.org", "title": "x", "stance": "agrees"}, "stance"),
        ({"url": "https://example.org", "stance": "supports"}, "title"),
        ({"title": "x", "stance": "supports"}, "url"),
        ({"url": "https://example.org/" + "a" * 2000, "title": "x", "stance": "supports"}, "url"),
    ],
)
def test_bad_evidence_gets_a_400_naming_the_field(client_for, annotator, draft, data, field):
    response = client_for(annotator).post(detail(draft.pk, "evidence/"), data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    ("extra", "headers", "code"),
    [
        ({"stance": "maybe"}, {}, 400),
        ({"stance": "supports", "version": 7}, {}, 409),
        ({"stance": "supports"}, {"If-Match": '"7"'}, 412),
    ],
)
def test_a_refused_evidence_attach_stores_no_new_source(
    client_for, annotator, draft, extra, headers, code
):
    body = {"url": "https://example.org/new-report", "title": "New report", **extra}
    response = client_for(annotator).post(
        detail(draft.pk, "evidence/"), body, format="json", headers=headers
    )
    assert response.status_code == code, response.json()
    assert not Evidence.objects.exists()
    draft.refresh_from_db()
    assert draft.version == 1


def test_links_are_added_and_removed(client_for, annotator, article):
    claim = AnnotationFactory(article=article, author=annotator, start=0)
    attribution = AnnotationFactory(
        article=article, author=annotator, start=20, label="attribution"
    )
    client = client_for(annotator)
    added = client.post(detail(attribution.pk, "links/"), {"target": claim.pk}, format="json")
    assert added.status_code == 201
    assert added.json()["links"] == [{"kind": "attributes", "target": claim.pk}]
    wrong_way = client.post(detail(claim.pk, "links/"), {"target": attribution.pk}, format="json")
    assert wrong_way.status_code == 400
    assert "target" in wrong_way.json()["errors"]
    removed = client.delete(detail(attribution.pk, f"links/{claim.pk}/"))
    assert removed.json()["links"] == []


def test_a_link_to_an_annotation_in_another_article_is_refused(client_for, annotator, article):
    attribution = AnnotationFactory(article=article, author=annotator, label="attribution")
    elsewhere = AnnotationFactory(author=annotator)
    response = client_for(annotator).post(
        detail(attribution.pk, "links/"), {"target": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400
    assert "same article" in response.json()["errors"]["target"][0]


def test_filters(client_for, annotator, other_annotator, article):
    AnnotationFactory(article=article, author=annotator, label="claim")
    AnnotationFactory(article=article, author=other_annotator, label="denial", status="submitted")
    AnnotationFactory(author=other_annotator, label="claim", status="approved")
    client = client_for(annotator)

    def ids(query):
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return sorted((a["label"], a["author"]) for a in response.json()["results"])

    assert ids(f"?article={article.pk}") == [("claim", "annotator"), ("denial", "other")]
    assert ids("?label=denial") == [("denial", "other")]
    assert ids("?status=approved") == [("claim", "other")]
    assert ids("?author=annotator") == [("claim", "annotator")]
    assert ids("?updated_since=2000-01-01T00:00:00Z") == ids("")
    assert ids("?updated_since=2999-01-01T00:00:00Z") == []
    bad = client.get(URL + "?updated_since=yesterday")
    assert bad.status_code == 400
    assert "updated_since" in bad.json()["errors"]


@pytest.mark.parametrize("page_size", [2, 40])
def test_the_list_runs_the_same_queries_whatever_the_page_size(
    client_for, annotator, article, page_size, django_assert_max_num_queries
):
    for n in range(40):
        annotation = AnnotationFactory(article=article, author=annotator, start=n % 30)
        annotation.evidence_links.create(evidence=EvidenceFactory(), stance="supports")
    client = client_for(annotator)
    # count, page, evidence prefetch, link prefetch, the user's permissions (two, once)
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_a_date_time_postgresql_cannot_hold_gets_a_400(client_for, annotator):
    client = client_for(annotator)
    response = client.get(URL + "?updated_since=0561-03-06T12:49:55-20:29")
    assert response.status_code == 200  # a legal offset, compared in UTC
    response = client.get(URL + "?updated_since=0001-01-01T00:00:00%2B05:00")
    assert response.status_code == 400
    assert "updated_since" in response.json()["errors"]
