"""Odd input gets a 4xx that names what is wrong, never a 500 (issue: Reliability II)."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotations.models import Article, Evidence
from tests.factories import AnnotationFactory, reviewer

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes; int() says no


@pytest.fixture
def api(client_for, annotator):
    return client_for(annotator)


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/articles/?page=²", "page"),
        ("/api/v1/annotations/?page=²", "page"),
        ("/api/v1/evidence/?page=²", "page"),
        ("/api/v1/annotations/?page_size=²", "page_size"),
        ("/api/v1/annotations/?page=" + "9" * 5000, "page"),
    ],
)
def test_lists_refuse_a_page_that_is_not_a_plain_number(api, url, param):
    response = api.get(url)
    assert response.status_code == 400
    assert param in response.json()["errors"]


@pytest.mark.parametrize("param", ["after", "page_size", "start", "total"])
def test_the_export_refuses_cursor_numbers_that_are_not_plain(client_for, param):
    client = client_for(reviewer(username="exporting"))
    params = {"format": "w3c", "after": "0", param: SUPERSCRIPT_TWO}
    response = client.get("/api/v1/export/annotations/", params)
    assert response.status_code == 400
    assert param in response.json()["errors"]


@pytest.mark.parametrize("header", ['"²"', '"' + "7" * 5000 + '"', 'W/"٣"'])
def test_an_if_match_that_is_no_version_is_refused_naming_if_match(api, draft, header):
    response = api.patch(
        f"/api/v1/annotations/{draft.pk}/", {"note": "x"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 412
    assert "If-Match" in response.json()["detail"]
    draft.refresh_from_db()
    assert draft.note == ""


def test_deeply_nested_json_is_a_400_not_a_crash(api, article):
    body = "[" * 1000 + "]" * 1000
    response = api.post("/api/v1/annotations/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("object_id", ["abc", "1.5", "²", "9" * 30])
def test_the_review_page_answers_404_for_ids_that_are_not_ids(object_id):
    client = Client()
    client.force_login(reviewer(username="r"))
    response = client.get(f"/admin/annotations/reviewqueue/{object_id}/change/")
    assert response.status_code == 404


def test_the_longest_article_the_api_documents_is_accepted(client_for, admin_user):
    body = "🚀" * 2_000_000  # the documented maximum, 4 UTF-8 bytes and 12 JSON bytes each
    payload = json.dumps({"title": "Long", "body": body})  # ensure_ascii: \\ud83d\\ude80
    client = APIClient()
    client.force_login(admin_user)  # session auth: the CSRF check reads the body too
    response = client.post("/api/v1/articles/", payload, content_type="application/json")
    assert response.status_code == 201, response.content[:200]
    assert len(Article.objects.get(title="Long").body) == 2_000_000


def test_a_body_over_the_limit_is_a_json_413_naming_the_limit(client_for, admin_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = APIClient()
    client.force_login(admin_user)
    payload = json.dumps({"title": "Too long", "body": "x" * 5000})
    response = client.post("/api/v1/articles/", payload, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "1000 bytes" in response.json()["detail"]
    token_client = client_for(admin_user)
    again = token_client.post("/api/v1/articles/", payload, content_type="application/json")
    assert again.status_code == 413
    assert not Article.objects.filter(title="Too long").exists()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ('https://example.org/a "quoted" <b>', "https://example.org/a%20%22quoted%22%20%3Cb%3E"),
        ("HTTPS://Example.ORG:443/straße?q=ä b", "https://example.org/stra%C3%9Fe?q=%C3%A4%20b"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://example.org/already%20encoded", "https://example.org/already%20encoded"),
    ],
)
def test_urls_are_stored_as_valid_uris(api, given, stored):
    response = api.post("/api/v1/evidence/", {"url": given, "title": "Source"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["url"] == stored
    assert Evidence.objects.get().url == stored


def test_a_form_post_with_invalid_utf8_is_refused_not_stored_mangled(annotator):
    client = Client()
    client.force_login(annotator)
    body = b"title=Caf%E9&body=Bad+bytes+%FF+here"
    response = client.post("/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert b"UTF-8" in response.content
    assert not Article.objects.exists()


def test_an_author_reading_with_no_role_sees_nothing(client_for, annotator, article):
    from tests.factories import UserFactory

    AnnotationFactory(article=article, author=annotator, status="rejected", review_note="No.")
    nobody = client_for(UserFactory(username="nobody"))
    response = nobody.get("/api/v1/annotations/?status=rejected")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (SUPERSCRIPT_TWO, "incorrect_type"),
        ("9" * 30, "does_not_exist"),
        (10**30, "does_not_exist"),
        (-1, "does_not_exist"),
        (0, "does_not_exist"),
        (True, "incorrect_type"),
        (1.5, "incorrect_type"),
        (None, "null"),
        ([1], "incorrect_type"),
    ],
)
def test_an_article_that_is_no_id_is_a_400_naming_article(api, article, given, code):
    body = {"article": given, "label": "claim", "quote": "Officials denied it."}
    response = api.post("/api/v1/annotations/", body, format="json")
    assert response.status_code == 400, response.content
    (message,) = response.json()["errors"]["article"]
    assert {"incorrect_type": "Incorrect type", "does_not_exist": "does not exist", "null": "null"}[
        code
    ] in message
    assert not Article.objects.filter(annotations__isnull=False).exists()


def test_an_article_id_may_be_sent_as_a_string_of_digits(api, article):
    body = {"article": str(article.pk), "label": "claim", "quote": "Officials denied it."}
    response = api.post("/api/v1/annotations/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["article"] == article.pk


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/evidence/", {"url": "https://example.org/a", "title": "Source"}),
        ("/api/v1/articles/", {"title": "Text", "body": "Some text."}),
        ("/api/v1/articles/", {"url": "https://example.org/story"}),
        ("/api/v1/feeds/", {"url": "https://example.org/feed.xml"}),
    ],
)
@pytest.mark.parametrize("project", ["news\x00room", "\x00", ["newsroom"], {"slug": "x"}, 7])
def test_a_project_that_is_no_slug_is_a_400_naming_project(client_for, url, body, project):
    from tests.factories import manager

    user = manager(username="desk")
    response = client_for(user).post(url, {**body, "project": project}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()["errors"]) == ["project"]
    assert not Article.objects.exists()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("given", ["yes", "true", "1", 1, 0, "on", None])
def test_a_boolean_that_is_no_json_boolean_is_a_400_naming_the_field(client_for, given):
    from annotations.models import Project
    from tests.factories import manager

    client = client_for(manager(username="desk"))
    response = client.patch("/api/v1/projects/newsroom/", {"blind": given}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["blind"]
    assert Project.objects.get(slug="newsroom").blind is False
    url = client.post(
        "/api/v1/articles/", {"url": "https://example.org/a", "tracked": given}, format="json"
    )
    assert url.status_code == 400 and list(url.json()["errors"]) == ["tracked"]


def test_booleans_are_taken_as_json_booleans_or_form_words(client_for):
    from annotations.models import Project
    from tests.factories import manager

    client = client_for(manager(username="desk"))
    json_body = client.patch("/api/v1/projects/newsroom/", {"blind": True}, format="json")
    assert json_body.status_code == 200, json_body.content
    assert Project.objects.get(slug="newsroom").blind is True
    form = client.patch("/api/v1/projects/newsroom/", "blind=false",
                        content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert form.status_code == 200, form.content
    assert Project.objects.get(slug="newsroom").blind is False
