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
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for annotation in _rows(queryset):
        writer.writerow(csv_row(annotation))
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


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
