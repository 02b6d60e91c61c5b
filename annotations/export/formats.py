"""The export formats, one entry each: a new format is one more entry here.

A streamed format has a Python builder and, where PostgreSQL can build the same bytes faster,
an SQL one; a paged format has a page builder and, optionally, a collection document that
leads to its pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from annotations.export import pages, postgres, streaming
from annotations.export.records import W3C_CONTENT_TYPE


@dataclass(frozen=True)
class Format:
    name: str
    content_type: str
    extension: str  # of the file a browser saves it as
    python: Callable[[QuerySet], Iterator[bytes]] | None = None
    sql: Callable[[QuerySet, int | None], Iterator[bytes]] | None = None
    page: Callable[..., dict[str, Any]] | None = None
    collection: Callable[..., dict[str, Any]] | None = None

    @property
    def streamed(self) -> bool:
        return self.python is not None

    def stream(self, queryset: QuerySet, rows: int | None = None) -> Iterator[bytes]:
        """The whole export as byte blocks, from SQL on PostgreSQL where the format has it;
        `rows`, the count when known, helps it choose how to read them."""
        if self.sql is not None and connection.vendor == "postgresql":
            return self.sql(queryset, rows)
        assert self.python is not None
        return self.python(queryset)


def snapshot(fmt: Format, queryset: QuerySet) -> tuple[int, Iterator[bytes]]:
    """Count the rows and stream them from one snapshot of the database.

    The count is sent first (X-Total-Count), so a client can tell a stream cut short (a worker
    killed, a connection dropped) from a whole one: both end on a whole line. Count and rows
    come from one REPEATABLE READ transaction, which stays open while the body streams, so rows
    written meanwhile change neither.
    """
    blocks = _counted(fmt, queryset)
    total = next(blocks)
    assert isinstance(total, int)
    return total, blocks  # type: ignore[return-value]


def _counted(fmt: Format, queryset: QuerySet) -> Iterator[int | bytes]:
    if connection.in_atomic_block:  # the caller's transaction is the snapshot
        yield from _count_then_rows(fmt, queryset)
        return
    # Open until the body has streamed; the server closes the response, and with it this
    # generator and its transaction, however the client leaves.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield from _count_then_rows(fmt, queryset)


def _count_then_rows(fmt: Format, queryset: QuerySet) -> Iterator[int | bytes]:
    total = queryset.count()
    yield total
    yield from fmt.stream(queryset, total)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format("json", "application/json", "json", page=pages.json_page),
        Format(
            "jsonl",
            "application/x-ndjson",
            "jsonl",
            python=streaming.jsonl,
            sql=postgres.stream_jsonl,
        ),
        Format(
            "csv",
            "text/csv; charset=utf-8",
            "csv",
            python=streaming.csv_lines,
            sql=postgres.stream_csv,
        ),
        Format(
            "w3c",
            W3C_CONTENT_TYPE,
            "jsonld",
            page=pages.w3c_page,
            collection=pages.w3c_collection,
        ),
    ]
}
