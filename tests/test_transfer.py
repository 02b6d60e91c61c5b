import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotations import demo
from annotations.models import Annotation, Article, Evidence, ReviewEvent
from annotations.transfer import TransferError, import_all

pytestmark = pytest.mark.django_db


def wipe() -> None:
    Annotation.objects.all().delete()
    Article.objects.all().delete()
    Evidence.objects.all().delete()
    get_user_model().objects.all().delete()


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
    assert annotator.groups.filter(name="Annotators").exists()


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
