"""Reading articles from .txt and .jsonl files: every problem named by file and line."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.common.inputs import normalise_url
from annotations.models import Article, Project
from annotations.revisions import revising
from annotations.spans import anchoring

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

JSONL_FIELDS = {"title", "body", "publisher", "url", "byline", "published"}


class ImportFileError(Exception):
    """A file that cannot be imported; nothing of it was stored."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass
class ImportResult:
    created: list[Article] = field(default_factory=list)
    existing: list[Article] = field(default_factory=list)
    revised: list[Article] = field(default_factory=list)  # corrected: a new revision each


def read_articles(path: Path) -> list[tuple[int, Article]]:
    """Parse and validate a file into unsaved articles, each with the line it starts on."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(path, None, f"cannot read the file ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError(path, line, "the file is not valid UTF-8 text") from exc
    suffix = path.suffix.lower()
    if suffix == ".txt":
        articles = [(1, _from_txt(path, text))]
    elif suffix == ".jsonl":
        articles = list(_from_jsonl(path, text))
    else:
        raise ImportFileError(path, None, "unsupported file type: use .txt or .jsonl")
    if not articles:
        raise ImportFileError(path, None, "the file holds no articles")
    for line, article in articles:
        _validate(path, line, article)
    return articles


def import_file(
    path: Path, *, project: Project, created_by: AbstractBaseUser | None = None
) -> ImportResult:
    """Import every article of one file into a project in one transaction, skipping ones the
    project already holds."""
    articles = read_articles(path)
    result = ImportResult()
    with transaction.atomic():
        for line, article in articles:
            existing = Article.objects.filter(
                project=project, title=article.title, body_hash=anchoring.body_hash(article.body)
            ).first()
            if existing is not None:
                result.existing.append(existing)
                continue
            corrected = _earlier_version(project, article)
            if corrected is not None:
                if created_by is None:
                    raise ImportFileError(
                        path,
                        line,
                        f"a corrected text of article {corrected.pk} ({corrected.title!r}): "
                        "say who records the correction with --as USERNAME",
                    )
                revising.add_revision(
                    user=created_by,
                    article=corrected,
                    body=article.body,
                    note=f"import of {path.name}",
                )
                result.revised.append(corrected)
                continue
            article.project = project
            article.created_by = created_by
            article.save()
            result.created.append(article)
    return result


def _earlier_version(project: Project, article: Article) -> Article | None:
    """The project's article this one corrects: the same URL, or else the same title."""
    stored = Article.objects.filter(project=project)
    if article.source_url:
        match = stored.filter(source_url=normalise_url(article.source_url)).first()
        if match is not None:
            return match
    return stored.filter(title=article.title).first()


def _from_txt(path: Path, text: str) -> Article:
    title, _, body = text.partition("\n")
    if not title.strip():
        raise ImportFileError(path, 1, "the first line (the title) is empty")
    if not anchoring.normalise_body(body):
        raise ImportFileError(path, 2, "the article has a title but no body text after it")
    return Article(title=title.strip(), body=body)


def _from_jsonl(path: Path, text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                path, number, f"invalid JSON ({exc.msg} at column {exc.colno})"
            ) from exc
        if not isinstance(record, dict):
            raise ImportFileError(path, number, "each line must be a JSON object")
        yield number, _from_record(path, number, record)


def _from_record(path: Path, line: int, record: dict[str, Any]) -> Article:
    unknown = set(record) - JSONL_FIELDS
    if unknown:
        raise ImportFileError(path, line, f"unknown field(s): {', '.join(sorted(unknown))}")
    values: dict[str, str] = {}
    for name in JSONL_FIELDS:
        value = record.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ImportFileError(path, line, f"{name} must be a string or null")
        values[name] = value
    for required in ("title", "body"):
        if not values[required].strip():
            raise ImportFileError(path, line, f"{required} is missing or empty")
    return Article(
        title=values["title"].strip(),
        body=values["body"],
        publisher=values["publisher"].strip(),
        byline=values["byline"].strip(),
        source_url=values["url"].strip(),
        published_on=_parse_date(path, line, values["published"]),
    )


def _parse_date(path: Path, line: int, value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise ImportFileError(
            path, line, f"published {value!r} is not an ISO 8601 date (YYYY-MM-DD)"
        ) from exc


def _validate(path: Path, line: int, article: Article) -> None:
    article.body = anchoring.normalise_body(article.body)
    try:
        article.full_clean(
            exclude=["created_by", "project"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
        raise ImportFileError(path, line, problems) from exc
