import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Article
from tests.factories import AnnotationFactory, ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, annotator):
    client.force_login(annotator)
    return client


def test_pages_need_a_log_in(client, article):
    for url in ["/", f"/articles/{article.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_article_list_shows_counts_search_and_mine(logged_in, annotator):
    mine = ArticleFactory(title="Bridge story", body="The bridge opened.")
    ArticleFactory(title="Weather", body="Rain all week.")
    AnnotationFactory(article=mine, author=annotator, label="denial")
    page = logged_in.get("/").content.decode()
    assert "Bridge story" in page and "Weather" in page
    assert "D 1" in page
    assert "Weather" not in logged_in.get("/?search=bridge").content.decode()
    assert "Weather" not in logged_in.get("/?mine=true").content.decode()


def test_article_list_runs_the_same_queries_for_few_or_many_articles(logged_in, annotator):
    for _ in range(3):
        AnnotationFactory(article=ArticleFactory(), author=annotator)
    logged_in.get("/")
    with CaptureQueriesContext(connection) as few:
        logged_in.get("/")
    for _ in range(20):
        AnnotationFactory(article=ArticleFactory(), author=annotator)
    with CaptureQueriesContext(connection) as many:
        logged_in.get("/")
    assert len(few) == len(many)


def test_adding_an_article_normalises_it_and_opens_it(logged_in):
    response = logged_in.post(
        "/", {"title": "Pasted", "body": "Cafe\u0301 news.  \r\n\r\nSecond paragraph.\r\n"}
    )
    article = Article.objects.get(title="Pasted")
    assert response["Location"] == f"/articles/{article.pk}/"
    assert article.body == "Café news.\n\nSecond paragraph."


def test_adding_a_bad_article_shows_form_errors(logged_in):
    response = logged_in.post("/", {"title": "", "body": "x", "source_url": "javascript:alert(1)"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page and "Enter a valid URL." in page
    assert not Article.objects.exists()
    ArticleFactory(title="Dup", body="Same.")
    duplicate = logged_in.post("/", {"title": "Dup", "body": "Same."}).content.decode()
    assert "already exists" in duplicate


def test_article_page_renders_text_escaped_with_the_editor_data(logged_in, annotator):
    article = ArticleFactory(title="<b>Title</b>", body="Text <script>alert(1)</script> 🚀 end.")
    AnnotationFactory(article=article, author=annotator, start=0, length=4)
    page = logged_in.get(f"/articles/{article.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Title&lt;/b&gt;" in page
    assert 'id="editor-data"' in page
    assert "\\u003Cscript\\u003E" in page  # the JSON island escapes markup too


def test_article_page_queries_do_not_grow_with_annotations(logged_in, annotator, article):
    AnnotationFactory(article=article, author=annotator)
    logged_in.get(f"/articles/{article.pk}/")
    with CaptureQueriesContext(connection) as few:
        logged_in.get(f"/articles/{article.pk}/")
    for n in range(15):
        AnnotationFactory(article=article, author=annotator, start=n)
    with CaptureQueriesContext(connection) as many:
        logged_in.get(f"/articles/{article.pk}/")
    assert len(few) == len(many)


def test_the_api_refuses_a_span_that_splits_an_emoji_naming_start_or_end(client_for, annotator):
    article = ArticleFactory(body="Family 👩\u200d👩\u200d👧 went home.")
    inside = article.body.index("\u200d") + 1
    response = client_for(annotator).post(
        "/api/v1/annotations/",
        {
            "article": article.pk,
            "label": "claim",
            "start": inside,
            "end": inside + 4,
            "quote": article.body[inside : inside + 4],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "start" in response.json()["errors"]
