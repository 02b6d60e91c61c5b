import json

import pytest
from django.core.management import CommandError, call_command

from annotations.ingest.importing import ImportFileError, import_file
from annotations.models import Article
from tests.factories import default_project

pytestmark = pytest.mark.django_db


def test_txt_file_first_line_is_title(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Héadline “quoted”\nFirst paragraph.\r\n\r\nSecond 🚀.  \n", encoding="utf-8")
    result = import_file(path, project=default_project())
    (article,) = result.created
    assert article.title == "Héadline “quoted”"
    assert article.body == "First paragraph.\n\nSecond 🚀."


def test_jsonl_file_imports_every_line_with_metadata(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [
        {
            "title": "One",
            "body": "Body one.",
            "publisher": "Wire",
            "url": "https://example.org/1",
            "byline": "A. Writer",
            "published": "2026-01-02",
        },
        {"title": "Two", "body": "Body two.", "publisher": None, "url": None, "published": None},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = import_file(path, project=default_project())
    assert [a.title for a in result.created] == ["One", "Two"]
    one = Article.objects.get(title="One")
    assert (one.publisher, one.source_url, one.byline) == (
        "Wire",
        "https://example.org/1",
        "A. Writer",
    )
    assert one.published_on.isoformat() == "2026-01-02"


def test_a_bad_line_names_file_and_line_and_imports_nothing_of_that_file(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(
        json.dumps({"title": "Good", "body": "Fine."})
        + "\n"
        + json.dumps({"title": "Also good", "body": "Fine too."})
        + "\n"
        + '{"title": "Broken", "body": \n',
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as error:
        import_file(path, project=default_project())
    assert error.value.line == 3
    assert str(error.value).startswith(f"{path}:3:")
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"title": "", "body": "x"}, "title is missing"),
        ({"title": "t"}, "body is missing"),
        ({"title": "t", "body": 5}, "body must be a string"),
        ({"title": "t", "body": "b", "url": "javascript:alert(1)"}, "source_url"),
        ({"title": "t", "body": "b", "published": "last tuesday"}, "not an ISO 8601 date"),
        ({"title": "t", "body": "b", "colour": "red"}, "unknown field"),
        ({"title": "t" * 600, "body": "b"}, "title"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_each_kind_of_bad_record_is_explained(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"title": "ok", "body": "ok"}) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(ImportFileError, match=message) as error:
        import_file(path, project=default_project())
    assert error.value.line == 2
    assert not Article.objects.exists()


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Title\nfine line\ncaf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="not valid UTF-8") as error:
        import_file(path, project=default_project())
    assert error.value.line == 3


def test_reimporting_the_same_article_does_not_duplicate_it(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Title\nBody text.\n", encoding="utf-8")
    import_file(path, project=default_project())
    again = import_file(path, project=default_project())
    assert again.created == []
    assert len(again.existing) == 1
    assert Article.objects.count() == 1


def test_command_imports_good_files_and_fails_naming_the_bad_one(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text("Good title\nGood body.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("\nno title\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("import_articles", str(good), str(bad))
    assert f"{bad}:1:" in capsys.readouterr().err
    assert list(Article.objects.values_list("title", flat=True)) == ["Good title"]


def test_the_shared_corpus_imports_and_reimports_cleanly(shared_dir):
    files = sorted((shared_dir / "corpus").iterdir())
    call_command("import_articles", *map(str, files))
    count = Article.objects.count()
    assert count >= 1
    call_command("import_articles", *map(str, files))
    assert Article.objects.count() == count
    for article in Article.objects.all():
        assert article.body == article.body.strip("\n")
        assert article.body == article.body.rstrip()
        assert "\r" not in article.body


def test_a_corrected_text_of_a_stored_article_becomes_its_next_revision(tmp_path):
    from annotations.models import Annotation
    from tests.factories import AnnotationFactory, annotator

    writer = annotator(username="desk")
    first = tmp_path / "story.jsonl"
    first.write_text(
        json.dumps(
            {
                "title": "Bridge",
                "body": "The mayor, Jon Smith, spoke.",
                "url": "https://n.example/b",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    import_file(first, project=default_project(), created_by=writer)
    article = Article.objects.get()
    AnnotationFactory(article=article, author=writer, start=4, length=5)  # "mayor"
    second = tmp_path / "update.jsonl"
    second.write_text(
        json.dumps(
            {
                "title": "Bridge (updated)",
                "body": "The mayor, John Smith, spoke.",
                "url": "https://n.example/b",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError, match=r"update\.jsonl:1: a corrected text.*--as"):
        import_file(second, project=default_project())
    result = import_file(second, project=default_project(), created_by=writer)
    assert result.revised == [article] and not result.created
    article.refresh_from_db()
    assert article.revision == 2 and "John" in article.body
    assert Annotation.objects.get().revision == 2  # "mayor" mapped onto the new text
