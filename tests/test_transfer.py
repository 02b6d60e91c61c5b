import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotations import demo
from annotations.access import permissions
from annotations.models import (
    Annotation,
    Article,
    Evidence,
    Project,
    ReviewEvent,
    Verdict,
    VerdictCorrection,
)
from annotations.transfer.archive import TransferError, import_all
from annotations.verdicts import verdicting
from tests.factories import AnnotationFactory, ArticleFactory, annotator

pytestmark = pytest.mark.django_db


def wipe() -> None:
    Verdict.objects.all().delete()
    Annotation.objects.all().delete()
    Article.objects.all().delete()
    Evidence.objects.all().delete()
    get_user_model().objects.all().delete()
    Project.objects.exclude(slug="newsroom").delete()  # as a fresh database has it


def dump(tmp_path, name: str) -> str:
    path = tmp_path / name
    call_command("export_all", str(path), stdout=io.StringIO())
    return path.read_text(encoding="utf-8")


def test_everything_round_trips_through_an_empty_database(tmp_path):
    demo.load()
    first = dump(tmp_path, "first.jsonl")
    kinds = {json.loads(line)["type"] for line in first.splitlines()}
    assert kinds == {
        "format",
        "user",
        "article",
        "evidence",
        "annotation",
        "evidence_link",
        "link",
        "review_event",
        "project",
        "membership",
        "assignment",
        "revision",
        "adjudication",
        "rating",
        "verdict",
        "verdict_event",
        "end",
    }
    counts = (Article.objects.count(), Annotation.objects.count(), ReviewEvent.objects.count())
    wipe()
    assert Annotation.objects.count() == 0
    call_command("import_all", str(tmp_path / "first.jsonl"), stdout=io.StringIO())
    assert (
        Article.objects.count(),
        Annotation.objects.count(),
        ReviewEvent.objects.count(),
    ) == counts
    second = dump(tmp_path, "second.jsonl")
    assert second == first
    annotator = get_user_model().objects.get(username="annotator1")
    assert annotator.check_password("annotate-demo-1")  # log-ins survive
    assert permissions.can_create_annotation(annotator, Project.objects.get(slug="newsroom"))


def test_import_refuses_a_database_that_is_not_empty(tmp_path):
    demo.load()
    dump(tmp_path, "data.jsonl")
    with pytest.raises(TransferError, match="empty"):
        import_all(tmp_path / "data.jsonl")


def test_a_bad_line_names_itself_and_imports_nothing(tmp_path):
    demo.load()
    lines = dump(tmp_path, "data.jsonl").splitlines()
    broken = next(i for i, line in enumerate(lines) if '"type": "annotation"' in line)
    record = json.loads(lines[broken])
    record["quote"] = "not what the text says"
    lines[broken] = json.dumps(record)
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wipe()
    with pytest.raises(CommandError, match=f"bad.jsonl:{broken + 1}:.*nothing was imported"):
        call_command("import_all", str(tmp_path / "bad.jsonl"))
    assert not Article.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda r: r.pop("to_status"), "the review_event record has no 'to_status' field"),
        (lambda r: r.update(to_status="lost"), "to_status: Value 'lost' is not a valid choice"),
        (lambda r: r.update(created_at="last tuesday"), "created_at: "),
    ],
)
def test_a_corrupted_line_names_its_file_line_and_field(tmp_path, change, says):
    demo.load()
    lines = dump(tmp_path, "data.jsonl").splitlines()
    broken = next(i for i, line in enumerate(lines) if '"type": "review_event"' in line)
    record = json.loads(lines[broken])
    change(record)
    lines[broken] = json.dumps(record)
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wipe()
    with pytest.raises(CommandError) as refused:
        call_command("import_all", str(tmp_path / "bad.jsonl"))
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'bad.jsonl'}:{broken + 1}: "), message
    assert says in message and "KeyError" not in message
    assert not ReviewEvent.objects.exists() and not Article.objects.exists()


def test_a_file_cut_at_a_line_boundary_is_refused_whole(tmp_path):
    demo.load()
    lines = dump(tmp_path, "data.jsonl").splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if '"type": "review_event"' in line)
    (tmp_path / "cut.jsonl").write_text("".join(lines[:cut]), encoding="utf-8")
    wipe()
    with pytest.raises(CommandError, match=r"without its closing record.*nothing was imported"):
        call_command("import_all", str(tmp_path / "cut.jsonl"))
    assert not Annotation.objects.exists() and not get_user_model().objects.exists()


def test_a_file_whose_records_disagree_with_its_closing_record_is_refused(tmp_path):
    demo.load()
    lines = dump(tmp_path, "data.jsonl").splitlines(keepends=True)
    dropped = next(i for i, line in enumerate(lines) if '"type": "evidence_link"' in line)
    del lines[dropped]  # a whole, valid line gone: only the counts can tell
    (tmp_path / "short.jsonl").write_text("".join(lines), encoding="utf-8")
    wipe()
    with pytest.raises(CommandError, match=r"short.jsonl:\d+: the closing record counts"):
        call_command("import_all", str(tmp_path / "short.jsonl"))
    assert not Annotation.objects.exists()


def test_an_altered_record_fails_the_checksum(tmp_path):
    demo.load()
    text = dump(tmp_path, "data.jsonl")
    altered = text.replace('"publisher": "', '"publisher": "X', 1)  # still valid, line by line
    (tmp_path / "altered.jsonl").write_text(altered, encoding="utf-8")
    wipe()
    with pytest.raises(TransferError, match="checksum does not match"):
        import_all(tmp_path / "altered.jsonl")
    assert not Article.objects.exists()


def test_invalid_utf8_is_named_with_its_line(tmp_path):
    demo.load()
    raw = dump(tmp_path, "data.jsonl").encode("utf-8").split(b"\n")
    raw[3] = raw[3].replace(b'"type"', b'"ty\xffpe"', 1)
    (tmp_path / "latin.jsonl").write_bytes(b"\n".join(raw))
    wipe()
    with pytest.raises(CommandError, match=r"latin.jsonl:4: not valid UTF-8"):
        call_command("import_all", str(tmp_path / "latin.jsonl"))


def as_previous_format(text: str) -> str:
    """The file the release before projects wrote: no projects, roles as groups, no end."""
    records = []
    for line in text.splitlines()[:-1]:
        record = json.loads(line)
        if record["type"] in ("project", "membership", "assignment", "revision"):
            continue
        for later in ("project", "revision", "anchor", "proposed_start", "proposed_end"):
            record.pop(later, None)
        if record["type"] == "format":
            record["format"] = "fact-check-workbench/1"
        if record["type"] == "user" and record["username"] == "writer":
            record["groups"] = ["Annotators"]
        records.append(json.dumps(record))
    return "\n".join(records) + "\n"


def test_a_file_of_the_previous_format_loads_only_when_asked_into_one_project(tmp_path):
    writer = annotator(username="writer")
    article = ArticleFactory()
    AnnotationFactory(article=article, author=writer)
    AnnotationFactory(article=article, author=writer, start=12, status="submitted")
    legacy = as_previous_format(dump(tmp_path, "data.jsonl"))
    (tmp_path / "v1.jsonl").write_text(legacy, encoding="utf-8")
    wipe()
    Project.objects.all().delete()
    with pytest.raises(CommandError, match="--unverified"):
        call_command("import_all", str(tmp_path / "v1.jsonl"))
    call_command("import_all", str(tmp_path / "v1.jsonl"), "--unverified", stdout=io.StringIO())
    (project,) = Project.objects.all()
    assert project.slug == "newsroom"
    assert set(Annotation.objects.values_list("project", flat=True)) == {project.pk}
    assert Annotation.objects.count() == 2
    writer = get_user_model().objects.get(username="writer")
    assert permissions.can_create_annotation(writer, project)  # the group became the role


def test_corrections_of_verdicts_round_trip_with_who_proposed_and_decided(tmp_path):
    demo.load()
    verdict = Verdict.objects.get(status="published")
    users = {u.username: u for u in get_user_model().objects.all()}
    changes = {"summary": "A corrected summary"}
    approved = verdicting.propose_correction(
        user=users["annotator1"], verdict=verdict, changes=changes, note="A typo."
    )
    verdicting.decide_correction("approve", correction=approved, user=users["reviewer1"])
    verdicting.propose_correction(
        user=users["annotator1"], verdict=verdict, changes={"claimant": "X"}, note="Who said it."
    )  # still waiting
    first = dump(tmp_path, "first.jsonl")
    assert sum('"type": "verdict_correction"' in line for line in first.splitlines()) == 2
    wipe()
    call_command("import_all", str(tmp_path / "first.jsonl"), stdout=io.StringIO())
    assert dump(tmp_path, "second.jsonl") == first
    kept = list(VerdictCorrection.objects.values_list("status", "proposed_by__username"))
    assert kept == [("approved", "annotator1"), ("pending", "annotator1")]
