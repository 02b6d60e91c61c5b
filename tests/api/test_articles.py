import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Article
from tests.factories import AnnotationFactory, ArticleFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/articles/"


def test_list_counts_annotations_per_label_and_status_the_user_may_see(
    client_for, annotator, other_annotator, article
):
    AnnotationFactory(article=article, author=annotator, label="claim")
    AnnotationFactory(article=article, author=other_annotator, label="denial", status="submitted")
    AnnotationFactory(article=article, author=other_annotator, label="claim")  # another's draft
    (row,) = client_for(annotator).get(URL).json()["results"]
    assert row["counts"]["total"] == 2
    assert row["counts"]["by_label"] == {"claim": 1, "denial": 1, "attribution": 0}
    assert row["counts"]["by_status"]["draft"] == 1
    assert row["counts"]["by_status"]["submitted"] == 1


def test_search_and_publisher_filter(client_for, annotator):
    ArticleFactory(title="Bridge opens", publisher="Wire", body="The bridge is open.")
    ArticleFactory(title="Budget", publisher="Gazette", body="Spending on bridges rose.")
    ArticleFactory(title="Weather", publisher="Wire", body="Rain.")
    client = client_for(annotator)

    def titles(query):
        return sorted(a["title"] for a in client.get(URL + query).json()["results"])

    assert titles("?search=bridge") == ["Bridge opens", "Budget"]
    assert titles("?publisher=wire") == ["Bridge opens", "Weather"]
    assert titles("?search=bridge&publisher=Wire") == ["Bridge opens"]


def test_mine_lists_articles_i_annotated(client_for, annotator, other_annotator):
    mine = ArticleFactory(title="Mine")
    ArticleFactory(title="Not mine")
    AnnotationFactory(article=mine, author=annotator)
    response = client_for(annotator).get(URL + "?mine=true")
    assert [a["title"] for a in response.json()["results"]] == ["Mine"]


def test_retrieve_has_the_body_and_only_the_annotations_the_user_may_see(
    client_for, annotator, other_annotator, article
):
    own = AnnotationFactory(article=article, author=annotator, start=10)
    submitted = AnnotationFactory(article=article, author=other_annotator, status="submitted")
    AnnotationFactory(article=article, author=other_annotator, start=20)  # draft: private
    body = client_for(annotator).get(f"{URL}{article.pk}/").json()
    assert body["body"] == article.body
    assert [a["id"] for a in body["annotations"]] == [submitted.pk, own.pk]  # text order


def test_create_normalises_the_text(client_for, annotator):
    response = client_for(annotator).post(
        URL,
        {
            "title": " Café news ",
            "body": "Cafe\u0301 opened.  \r\nSecond line.\r\n",
            "publisher": "Wire",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["body"] == "Café opened.\nSecond line."
    assert response.json()["title"] == "Café news"


def test_creating_the_same_article_twice_is_a_400(client_for, annotator):
    client = client_for(annotator)
    data = {"title": "Same", "body": "Same text."}
    assert client.post(URL, data, format="json").status_code == 201
    again = client.post(URL, data, format="json")
    assert again.status_code == 400
    assert "already exists" in again.json()["errors"]["body"][0]
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": "text"}, "title"),
        ({"title": "t"}, "body"),
        ({"title": "t", "body": "   \n  "}, "body"),
        ({"title": "t", "body": "b", "source_url": "javascript:alert(1)"}, "source_url"),
        ({"title": "t", "body": "b", "published_on": "soon"}, "published_on"),
        ({"title": "t" * 501, "body": "b"}, "title"),
        ({"title": "t", "body": "b\x00"}, "body"),
    ],
)
def test_bad_articles_get_a_400_naming_the_field(client_for, annotator, data, field):
    response = client_for(annotator).post(URL, data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("page_size", [2, 30])
def test_the_list_runs_the_same_queries_whatever_the_page_size(
    client_for, annotator, page_size, django_assert_max_num_queries
):
    for _ in range(30):
        AnnotationFactory(article=ArticleFactory(), author=annotator)
    client = client_for(annotator)
    with django_assert_max_num_queries(4):  # the role (user and group permissions), count, page
        response = client.get(f"{URL}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_pasting_an_article_the_project_has_at_that_address_is_a_400_naming_it(
    client_for, annotator
):
    held = ArticleFactory(title="Fares", source_url="https://wire.example/fares")
    again = client_for(annotator).post(
        URL,
        {"title": "Fares, pasted", "body": "Other words.", "source_url": held.source_url},
        format="json",
    )
    assert again.status_code == 400
    assert f"(id {held.pk})" in again.json()["errors"]["source_url"][0]
    assert Article.objects.count() == 1


def test_the_same_story_pasted_from_two_addresses_is_two_articles(client_for, annotator):
    client = client_for(annotator)
    story = {"title": "Fares", "body": "The same wire story."}
    for address in ("https://wire.example/fares", "https://daily.example/fares"):
        answer = client.post(URL, {**story, "source_url": address}, format="json")
        assert answer.status_code == 201, answer.content
    assert Article.objects.count() == 2


def test_the_read_names_its_revision_and_a_put_with_its_etag_succeeds(client_for, annotator):
    article = ArticleFactory(body="The bridge opens in May.")
    client = client_for(annotator)
    read = client.get(f"{URL}{article.pk}/")
    assert read["ETag"] == '"1"' and read.json()["revision"] == 1
    assert client.get(URL).json()["results"][0]["revision"] == 1
    corrected = client.put(
        f"{URL}{article.pk}/body/",
        {"body": "The bridge opens in June."},
        format="json",
        headers={"If-Match": read["ETag"]},
    )
    assert corrected.status_code == 200, corrected.content
    again = client.get(f"{URL}{article.pk}/")
    assert again["ETag"] == corrected["ETag"] == '"2"' and again.json()["revision"] == 2


def test_an_unquoted_if_match_is_a_400_naming_if_match(client_for, annotator, draft):
    client = client_for(annotator)
    article = draft.article
    put = client.put(
        f"{URL}{article.pk}/body/", {"body": "New text."}, format="json", headers={"If-Match": "1"}
    )
    patch = client.patch(
        f"/api/v1/annotations/{draft.pk}/", {"note": "x"}, format="json", headers={"If-Match": "1"}
    )
    for response in (put, patch):
        assert response.status_code == 400, response.content
        assert list(response.json()["errors"]) == ["If-Match"]
        assert "quoted" in response.json()["errors"]["If-Match"][0]
    article.refresh_from_db()
    draft.refresh_from_db()
    assert (article.revision, draft.note) == (1, "")


def test_an_if_match_naming_no_revision_speaks_of_the_article(client_for, annotator, article):
    response = client_for(annotator).put(
        f"{URL}{article.pk}/body/", {"body": "New."}, format="json", headers={"If-Match": '"x"'}
    )
    assert response.status_code == 412
    assert "revision of this article" in response.json()["detail"]
    assert "annotation" not in response.json()["detail"]


def _busy(article, annotator, other_annotator, n, first=0):
    for i in range(first, first + n):
        mine = AnnotationFactory(article=article, author=annotator, start=i % 40, length=5)
        if i % 3 == 0:
            AnnotationFactory(
                article=article, author=other_annotator, start=i % 40, status="submitted"
            )
        if i % 4 == 0:
            mine.evidence_links.create(
                evidence=EvidenceFactory(url=f"https://example.org/{i}"), stance="supports"
            )


def test_the_embedded_annotations_are_the_annotations_routes(
    client_for, annotator, other_annotator, article
):
    _busy(article, annotator, other_annotator, 8)
    client = client_for(annotator)
    embedded = client.get(f"{URL}{article.pk}/").json()["annotations"]
    assert embedded == client.get(f"{URL}{article.pk}/annotations/").json()
    assert len(embedded) == 11 and any(a["evidence"] for a in embedded)


def test_the_read_runs_the_same_queries_whatever_the_number_of_annotations(
    client_for, annotator, other_annotator, article
):
    client = client_for(annotator)
    _busy(article, annotator, other_annotator, 3)
    client.get(f"{URL}{article.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{URL}{article.pk}/")
    _busy(article, annotator, other_annotator, 40, first=3)
    with CaptureQueriesContext(connection) as many:
        client.get(f"{URL}{article.pk}/")
    assert len(few) == len(many) <= 7, [q["sql"][:80] for q in many]
