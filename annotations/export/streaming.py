"""Streaming formats: constant memory, first bytes at once, whatever the number of rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from django.db.models import QuerySet

from annotations.export import postgres
from annotations.export.records import CSV_COLUMNS, csv_row, record

CHUNK_ROWS = 1000


def jsonl(queryset: QuerySet) -> Iterator[bytes]:
    """JSON Lines built in Python (postgres.stream_jsonl builds the same in SQL)."""
    return _blocks(json.dumps(record(a), ensure_ascii=False) + "\n" for a in _rows(queryset))


def csv_lines(queryset: QuerySet) -> Iterator[bytes]:
    """CSV built in Python (postgres.stream_csv builds the same in SQL)."""
    return _blocks(_csv(queryset))


def _rows(queryset: QuerySet):
    # iterator(chunk_size) with prefetches: one query per chunk for each relation, not per row.
    return queryset.with_article().order_by("pk").iterator(chunk_size=CHUNK_ROWS)


def _csv(queryset: QuerySet) -> Iterator[str]:
    # Rows end in "\n", as PostgreSQL's COPY ends them. The writer is told "\r\n" so that it
    # quotes every cell holding a CR or an LF (Python 3.11 quotes only the terminator's
    # characters); each row's own terminator is then written as "\n".
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for values in _csv_values(queryset):
        writer.writerow(values)
        yield out.getvalue()[:-2] + "\n"
        out.seek(0)
        out.truncate()


def _csv_values(queryset: QuerySet) -> Iterator[list]:
    yield CSV_COLUMNS
    for annotation in _rows(queryset):
        yield csv_row(annotation)


def _blocks(pieces: Iterator[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= postgres.BLOCK:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")
