import csv
import importlib.util
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.choices import Status
from annotations.export import postgres, streaming
from annotations.export.formats import FORMATS
from annotations.export.records import csv_row, record, w3c_annotation
from annotations.models import Annotation
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    UserFactory,
    annotator,
    exporter,
    reviewer,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/export/annotations/"
BODY = (
    "Launch 🚀 went fine, NASA said.\n"
    'The official said "we spent $1,200,000, or more,\nthis year" on the rocket.'
)


@pytest.fixture
def data(client_for):
    author, checker = annotator(username="author"), reviewer(username="checker")
    article = ArticleFactory(
        title="Rocket report", publisher="Wire", body=BODY, source_url="https://wire.example/r"
    )
    start = BODY.index("went fine")
    after_emoji = AnnotationFactory(article=article, author=author, start=start, length=9)
    q_start = BODY.index('"we spent')
    q_end = BODY.index(" on the rocket")
    tricky = AnnotationFactory(
        article=article, author=author, start=q_start, length=q_end - q_start, label="denial"
    )
    attribution = AnnotationFactory(
        article=article, author=author, start=BODY.index("NASA said"), length=9, label="attribution"
    )
    attribution.outgoing_links.create(target=after_emoji, kind="attributes")
    after_emoji.evidence_links.create(
        evidence=EvidenceFactory(url="https://data.example/launch", title="Launch log"),
        stance="refutes",
        note="Log shows a delay",
    )
    Annotation.objects.filter(pk=tricky.pk).update(note='=HYPERLINK("http://evil")')
    now = timezone.now()
    for annotation in (after_emoji, tricky, attribution):
        Annotation.objects.filter(pk=annotation.pk).update(
            status=Status.APPROVED, reviewer=checker, reviewed_at=now, review_note="Fine."
        )
    waiting = AnnotationFactory(article=article, author=author, status=Status.SUBMITTED, start=0)
    draft = AnnotationFactory(article=article, author=author, start=1)
    return {
        "client": client_for(exporter(username="export-bot")),
        "article": article,
        "after_emoji": after_emoji,
        "tricky": tricky,
        "attribution": attribution,
        "waiting": waiting,
        "draft": draft,
        "author": author,
    }


def get(data, **params):
    return data["client"].get(URL, params)


def content(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_json_is_approved_annotations_only_with_every_field(data):
    response = get(data, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == sorted(
        [data["after_emoji"].pk, data["tricky"].pk, data["attribution"].pk]
    )
    first = next(r for r in results if r["id"] == data["after_emoji"].pk)
    start = BODY.index("went fine")
    assert (first["start"], first["end"], first["quote"]) == (start, start + 9, "went fine")
    assert first["article"] == {
        "id": data["article"].pk,
        "title": "Rocket report",
        "url": "https://wire.example/r",
        "publisher": "Wire",
    }
    assert first["evidence"] == [
        {
            "url": "https://data.example/launch",
            "title": "Launch log",
            "publisher": "Statistics Office",
            "stance": "refutes",
            "note": "Log shows a delay",
        }
    ]
    assert first["reviewer"] == "checker" and first["review_note"] == "Fine."
    assert first["offset_unit"] == "code_point"
    assert first["created_at"].endswith("Z")
    linking = next(r for r in results if r["id"] == data["attribution"].pk)
    assert linking["links"] == [{"kind": "attributes", "target": data["after_emoji"].pk}]


def test_json_pages_follow_the_next_link_and_stay_stable_under_inserts(data):
    page = get(data, format="json", page_size=2).json()
    assert len(page["results"]) == 2
    seen = [r["id"] for r in page["results"]]
    # A new approved annotation arrives between two page reads: nothing shifts or repeats.
    late = AnnotationFactory(article=data["article"], author=data["author"], start=5)
    Annotation.objects.filter(pk=late.pk).update(status=Status.APPROVED)
    following = data["client"].get(page["next"]).json()
    seen += [r["id"] for r in following["results"]]
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert seen[-1] == late.pk


def test_jsonl_streams_one_annotation_per_line(data):
    response = get(data, format="jsonl")
    assert response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    lines = content(response).splitlines()
    assert len(lines) == 3
    rows = {row["id"]: row for row in map(json.loads, lines)}
    tricky = rows[data["tricky"].pk]
    assert tricky["quote"] == '"we spent $1,200,000, or more,\nthis year"'
    assert BODY[tricky["start"] : tricky["end"]] == tricky["quote"]


def test_csv_has_a_header_joined_evidence_and_neutralised_formulas(data):
    response = get(data, format="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(content(response))))
    assert len(rows) == 3
    by_id = {int(row["id"]): row for row in rows}
    first = by_id[data["after_emoji"].pk]
    assert first["evidence"] == "refutes https://data.example/launch"
    assert first["quote"] == "went fine"
    tricky = by_id[data["tricky"].pk]
    assert tricky["quote"] == '"we spent $1,200,000, or more,\nthis year"'
    assert tricky["note"] == '\'=HYPERLINK("http://evil")'
    assert by_id[data["attribution"].pk]["links"] == f"attributes {data['after_emoji'].pk}"


@pytest.fixture
def w3c_validator(shared_dir):
    path = shared_dir / "conformance" / "validate_w3c.py"
    spec = importlib.util.spec_from_file_location("validate_w3c", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.failures


def test_w3c_collection_pages_and_annotations_pass_the_must_schemas(data, w3c_validator):
    response = get(data, format="w3c", page_size=2)
    assert (
        response["Content-Type"]
        == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    )
    collection = response.json()
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 3
    assert w3c_validator("collection", collection) == []
    page = data["client"].get(collection["first"]).json()
    assert page["type"] == "AnnotationPage"
    assert page["startIndex"] == 0 and page["partOf"]["total"] == 3
    assert w3c_validator("page", page) == []
    items = page["items"]
    second = data["client"].get(page["next"]).json()
    assert second["startIndex"] == 2 and "next" not in second
    items += second["items"]
    assert len(items) == 3
    for item in items:
        assert w3c_validator("annotation", item) == []
    # A page reached without the position its links carry counts it itself.
    bare = get(
        data, format="w3c", page_size=2, after=page["items"][1]["id"].rstrip("/").split("/")[-1]
    )
    assert (bare.json()["startIndex"], bare.json()["partOf"]["total"]) == (2, 3)
    first = next(i for i in items if i["id"].endswith(f"/annotations/{data['after_emoji'].pk}/"))
    quote, position = first["target"]["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": "went fine",
        "prefix": "Launch 🚀 ",
        "suffix": BODY[BODY.index("went fine") + 9 :][:32],
    }
    assert position == {
        "type": "TextPositionSelector",
        "start": BODY.index("went fine"),
        "end": BODY.index("went fine") + 9,
    }
    # Offsets resolve against the served revision text, as a generic client would do it.
    source = first["target"]["source"]
    assert source.endswith(f"/api/v1/articles/{data['article'].pk}/revisions/1/text/")
    served = data["client"].get(source.removeprefix("http://testserver")).content.decode()
    assert served[position["start"] : position["end"]] == quote["exact"]
    prefix, exact, suffix = quote["prefix"], quote["exact"], quote["suffix"]
    assert served.count(prefix + exact + suffix) == 1
    assert served.index(prefix + exact + suffix) + len(prefix) == position["start"]
    state = first["target"]["state"]
    assert state["type"] == "TimeState" and state["cached"] == source and state["sourceDate"]
    assert first["target"]["scope"] == "https://wire.example/r"  # the article as published
    assert first["body"][0] == {
        "type": "TextualBody",
        "purpose": "tagging",
        "value": "claim",
        "format": "text/plain",
    }
    linking = first["body"][-1]
    assert (linking["purpose"], linking["source"], linking["stance"]) == (
        "linking",
        "https://data.example/launch",
        "refutes",
    )
    assert first["created"].endswith("Z") and first["modified"].endswith("Z")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"label": "denial"}, ["tricky"]),
        ({"status": "submitted"}, ["waiting"]),
        (
            {"status": ["approved", "submitted"]},
            ["after_emoji", "tricky", "attribution", "waiting"],
        ),
        ({"publisher": "wire"}, ["after_emoji", "tricky", "attribution"]),
        ({"publisher": "Gazette"}, []),
        ({"author": "author", "label": "attribution"}, ["attribution"]),
        ({"author": "nobody"}, []),
        ({"updated_since": "2000-01-01T00:00:00Z"}, ["after_emoji", "tricky", "attribution"]),
        ({"updated_since": "2999-01-01T00:00:00+02:00"}, []),
        ({"reviewed_since": "2000-01-01"}, ["after_emoji", "tricky", "attribution"]),
        ({"reviewed_since": "2999-01-01T00:00:00Z"}, []),
    ],
)
def test_filters(data, params, expected):
    for fmt in ("json", "jsonl"):
        response = get(data, format=fmt, **params)
        assert response.status_code == 200, response.content
        if fmt == "json":
            ids = [r["id"] for r in response.json()["results"]]
        else:
            ids = [json.loads(line)["id"] for line in content(response).splitlines()]
        assert sorted(ids) == sorted(data[name].pk for name in expected)


def test_article_filter(data):
    other = AnnotationFactory(author=data["author"], status=Status.APPROVED)
    response = get(data, format="json", article=other.article_id)
    assert [r["id"] for r in response.json()["results"]] == [other.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xml"}, "format"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"reviewed_since": "soon"}, "reviewed_since"),
        ({"status": "published"}, "status"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "5000"}, "page_size"),
        ({"after": "-1"}, "after"),
    ],
)
def test_bad_parameters_get_a_400_naming_them(data, params, field):
    response = get(data, **{"format": "json", **params})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_who_may_export(client_for, data):
    assert client_for().get(URL).status_code == 401
    assert client_for(annotator(username="plain")).get(URL).status_code == 403
    assert client_for(reviewer(username="rev")).get(URL).status_code == 200
    # The staff flag grants no project data: roles do.
    assert client_for(UserFactory(username="desk", is_staff=True)).get(URL).status_code == 403
    assert data["client"].get(URL).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "w3c"])
def test_page_formats_run_the_same_queries_whatever_the_page_size(data, fmt):
    for n in range(30):
        annotation = AnnotationFactory(article=data["article"], author=data["author"], start=n % 20)
        annotation.evidence_links.create(evidence=EvidenceFactory(), stance="context")
        Annotation.objects.filter(pk=annotation.pk).update(status=Status.APPROVED)
    counts = []
    for size in (2, 30):
        params = {"format": fmt, "page_size": size, "after": 0}
        data["client"].get(URL, params)
        with CaptureQueriesContext(connection) as queries:
            response = data["client"].get(URL, params)
        body = response.json()
        assert len(body.get("results", body.get("items"))) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def assert_csv_matches(queryset):
    served = b"".join(FORMATS["csv"].stream(queryset)).decode()
    python = b"".join(streaming.csv_lines(queryset)).decode()
    assert list(csv.reader(io.StringIO(served, newline=""))) == list(
        csv.reader(io.StringIO(python, newline=""))
    )


def assert_w3c_matches(queryset):
    """The W3C annotations PostgreSQL joins from its pieces (migration 0027) against Python's."""
    served = [json.loads(text) for text in postgres.w3c_rows(queryset, "http://testserver")]
    shaped = queryset.with_article().with_revision_date().with_verdict().order_by("pk")
    python = [w3c_annotation(a, lambda path: f"http://testserver{path}") for a in shaped]
    assert served == json.loads(json.dumps(python))


def test_streaming_formats_match_the_python_records(data):
    """On PostgreSQL the rows come from SQL; they must say what records.py says."""
    queryset = Annotation.objects.filter(status=Status.APPROVED)
    expected = [record(a) for a in queryset.with_article().order_by("pk")]
    lines = b"".join(FORMATS["jsonl"].stream(queryset)).decode().splitlines()
    assert [json.loads(line) for line in lines] == expected
    rows = list(csv.reader(io.StringIO(b"".join(FORMATS["csv"].stream(queryset)).decode())))
    python_rows = [[str(v) for v in csv_row(a)] for a in queryset.with_article().order_by("pk")]
    assert rows[1:] == python_rows


@pytest.mark.postgres
def test_the_stream_follows_renamed_users_retitled_articles_and_edited_evidence(data):
    """PostgreSQL keeps each row's part of its record (migration 0026): whatever changes a
    record, in the row or in another table, shows in the next export."""
    from django.contrib.auth import get_user_model

    from annotations.models import Article, Evidence

    get_user_model().objects.filter(username="author").update(username="renamed")
    get_user_model().objects.filter(username="checker").update(username="zoë")
    Article.objects.filter(pk=data["article"].pk).update(title='New "title"', source_url="")
    Evidence.objects.update(title="Retitled")
    Annotation.objects.filter(pk=data["tricky"].pk).update(reviewer=None, note="line\nbreak")
    queryset = Annotation.objects.filter(status=Status.APPROVED)
    lines = b"".join(FORMATS["jsonl"].stream(queryset)).decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert records == [record(a) for a in queryset.with_article().order_by("pk")]
    assert_csv_matches(queryset)
    assert_w3c_matches(queryset)
    assert {r["author"] for r in records} == {"renamed"}
    assert records[0]["reviewer"] == "zoë" and records[1]["reviewer"] is None
    assert records[0]["article"]["title"] == 'New "title"'
    assert records[0]["evidence"][0]["title"] == "Retitled"


@pytest.mark.postgres
def test_the_stream_follows_evidence_and_links_added_and_removed(data):
    from annotations.models import EvidenceLink

    queryset = Annotation.objects.filter(status=Status.APPROVED)

    def exported():
        lines = b"".join(FORMATS["jsonl"].stream(queryset)).decode().splitlines()
        records = [json.loads(line) for line in lines]
        assert records == [record(a) for a in queryset.with_article().order_by("pk")]
        assert_csv_matches(queryset)
        assert_w3c_matches(queryset)
        return {r["id"]: (len(r["evidence"]), len(r["links"])) for r in records}

    emoji, tricky, attribution = data["after_emoji"], data["tricky"], data["attribution"]
    assert exported() == {emoji.pk: (1, 0), tricky.pk: (0, 0), attribution.pk: (0, 1)}
    source = EvidenceFactory(url="https://data.example/budget")
    EvidenceLink.objects.bulk_create(  # one statement for two annotations
        [EvidenceLink(annotation=a, evidence=source, stance="context") for a in (emoji, tricky)]
    )
    tricky.outgoing_links.create(target=emoji, kind="denies")
    assert exported() == {emoji.pk: (2, 0), tricky.pk: (1, 1), attribution.pk: (0, 1)}
    EvidenceLink.objects.filter(evidence=source).update(stance="supports")
    emoji.delete()  # its evidence links go, and so do the links that point at it
    assert exported() == {tricky.pk: (1, 0), attribution.pk: (0, 0)}


def test_streaming_reads_rows_in_chunks_not_all_at_once(data, monkeypatch):
    monkeypatch.setattr(streaming, "CHUNK_ROWS", 2)
    monkeypatch.setattr(postgres, "BLOCK", 1)
    queryset = Annotation.objects.filter(status=Status.APPROVED)
    with CaptureQueriesContext(connection) as queries:
        blocks = FORMATS["jsonl"].stream(queryset)
        first = next(blocks)
        after_first = len(queries)
        rest = list(blocks)
    assert json.loads(first.decode().splitlines()[0])["id"] == data["after_emoji"].pk
    assert len(rest) >= 1
    if connection.vendor != "postgresql":  # COPY is one statement; the Python path chunks
        assert after_first < len(queries)


FORMULAS = ["\x01=1", " =1+1", "\n=1+1", "＝1+1", "\u3000@SUM(A1)", "\t-2", "\r+3", "=1", "-x"]
FORMULAS += ["＋1"]
HARMLESS = ['a\x02b,"c"', "plain", "a=b", "1 - 2", "", "café =", "\u00e9=1"]


@pytest.mark.parametrize("note", FORMULAS + HARMLESS)
def test_csv_neutralises_formulas_behind_white_space_and_fullwidth_alike_in_sql_and_python(
    data, note
):
    Annotation.objects.filter(pk=data["tricky"].pk).update(note=note)
    queryset = Annotation.objects.filter(pk=data["tricky"].pk)
    expected = "'" + note if note in FORMULAS else note
    python_csv = b"".join(streaming.csv_lines(queryset)).decode()
    served_csv = b"".join(FORMATS["csv"].stream(queryset)).decode()
    python_rows = list(csv.reader(io.StringIO(python_csv, newline="")))
    served = list(csv.reader(io.StringIO(served_csv, newline="")))
    column = python_rows[0].index("note")
    assert python_rows[1][column] == expected
    assert served[1][column] == expected  # SQL on PostgreSQL


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json", "w3c"])
def test_every_format_says_how_many_rows_the_export_holds(data, fmt):
    response = get(data, format=fmt)
    assert response["X-Total-Count"] == "3"
    if response.streaming:
        assert len(list(response.streaming_content)) >= 1
    response.close()


@pytest.mark.parametrize(
    ("fmt", "filename"),
    [
        ("json", "newsroom-annotations.json"),
        ("jsonl", "newsroom-annotations.jsonl"),
        ("csv", "newsroom-annotations.csv"),
        ("w3c", "newsroom-annotations.jsonld"),
    ],
)
def test_every_format_downloads_as_a_file_named_for_its_project_and_format(data, fmt, filename):
    for params in ({}, {"after": 1}):  # the first page (or the stream) and a later one
        response = get(data, format=fmt, project="newsroom", **params)
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        if response.streaming:
            assert content(response)


def test_an_export_of_every_project_or_an_odd_project_name_downloads_as_annotations(data):
    assert get(data, format="w3c")["Content-Disposition"] == (
        'attachment; filename="annotations.jsonld"'
    )
    odd = get(data, format="json", project='x"; filename="evil.exe')
    assert odd["Content-Disposition"] == 'attachment; filename="annotations.json"'


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_stream_counts_and_sends_one_snapshot_whatever_is_written_meanwhile(
    client_for, monkeypatch
):
    import threading

    author, checker = annotator(username="author"), reviewer(username="checker")
    article = ArticleFactory(body="word " * 300)
    for n in range(40):
        AnnotationFactory(article=article, author=author, start=5 * n, status=Status.APPROVED)
    monkeypatch.setattr(postgres, "BLOCK", 1)  # one row per block: the stream is read slowly
    response = client_for(checker).get(URL, {"format": "jsonl"})
    blocks = iter(response.streaming_content)
    first = next(blocks)

    def write_meanwhile():
        AnnotationFactory(article=article, author=author, start=1001, status=Status.APPROVED)
        connection.close()

    writer = threading.Thread(target=write_meanwhile)
    writer.start()
    writer.join()
    lines = (first + b"".join(blocks)).decode().splitlines()
    response.close()
    assert response["X-Total-Count"] == "40"
    assert len(lines) == 40
    assert Annotation.objects.filter(status=Status.APPROVED).count() == 41


@pytest.mark.postgres
def test_paged_formats_built_in_sql_match_the_python_records(data):
    """On PostgreSQL json and W3C pages come from SQL; they must say what records.py says."""
    bare = ArticleFactory(title="No link", body=BODY, source_url="")  # a target without scope
    plain = AnnotationFactory(article=bare, author=data["author"], start=0, length=4)
    plain.evidence_links.create(evidence=EvidenceFactory(), stance="supports")  # no note
    Annotation.objects.filter(pk=plain.pk).update(status=Status.APPROVED)
    client = data["client"]
    page = client.get(URL, {"format": "json", "after": 0, "page_size": 1000}).json()
    rows = list(
        Annotation.objects.filter(pk__in=[r["id"] for r in page["results"]])
        .with_article()
        .with_revision_date()
        .order_by("pk")
    )
    assert len(rows) == 4
    assert page["results"] == [record(a) for a in rows]
    w3c = client.get(URL, {"format": "w3c", "after": 0, "page_size": 1000}).json()
    expected = [w3c_annotation(a, lambda path: f"http://testserver{path}") for a in rows]
    assert w3c["items"] == json.loads(json.dumps(expected))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json", "w3c"])
def test_a_search_that_matches_nothing_exports_nothing_in_every_format(data, fmt):
    response = get(data, format=fmt, search="zzyzx")
    assert response.status_code == 200
    assert response["X-Total-Count"] == "0"
    if fmt == "w3c":
        response = data["client"].get(response.json()["first"])
        assert response.status_code == 200 and response.json()["items"] == []
    body = content(response) if response.streaming else response.content.decode()
    assert "went fine" not in body
