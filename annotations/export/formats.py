"""The export formats, one entry each: a new format is one more entry here.

A streamed format has a Python builder and, where PostgreSQL can build the same bytes faster,
an SQL one; a paged format has a page builder and, optionally, a collection document that
leads to its pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from annotations.export import pages, postgres, streaming
from annotations.export.records import W3C_CONTENT_TYPE


@dataclass(frozen=True)
class Format:
    name: str
    content_type: str
    python: Callable[[QuerySet], Iterator[bytes]] | None = None
    sql: Callable[[QuerySet], Iterator[bytes]] | None = None
    page: Callable[..., dict[str, Any]] | None = None
    collection: Callable[..., dict[str, Any]] | None = None

    @property
    def streamed(self) -> bool:
        return self.python is not None

    def stream(self, queryset: QuerySet) -> Iterator[bytes]:
        """The whole export as byte blocks, from SQL on PostgreSQL where the format has it."""
        if self.sql is not None and connection.vendor == "postgresql":
            return self.sql(queryset)
        assert self.python is not None
        return self.python(queryset)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format("json", "application/json", page=pages.json_page),
        Format(
            "jsonl",
            "application/x-ndjson",
            python=streaming.jsonl,
            sql=postgres.stream_jsonl,
        ),
        Format(
            "csv", "text/csv; charset=utf-8", python=streaming.csv_lines, sql=postgres.stream_csv
        ),
        Format("w3c", W3C_CONTENT_TYPE, page=pages.w3c_page, collection=pages.w3c_collection),
    ]
}
