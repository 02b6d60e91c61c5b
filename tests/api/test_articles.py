import pytest

from annotations.models import Article
from tests.factories import AnnotationFactory, ArticleFactory

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
