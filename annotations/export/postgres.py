"""The export formats on PostgreSQL: rows built in SQL, streamed with COPY or fetched as pages.

COPY is the fastest way out of PostgreSQL; building each JSON line or CSV row in the same SELECT
leaves Python only to pass bytes on. Each JSON line, CSV row and W3C annotation is joined from
pieces PostgreSQL keeps on every write (migrations 0026 and 0027), so an export builds no JSON
and no CSV cells. The rows are the ones records.py builds in Python; tests check that both
agree.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from psycopg.adapt import Loader

from annotations.export.records import CSV_COLUMNS, W3C_CONTEXT
from annotations.models import (
    Annotation,
    AnnotationLink,
    Article,
    ArticleRevision,
    Evidence,
    EvidenceLink,
    Rating,
    Verdict,
)
from annotations.spans.shape import ISO_UTC_PATTERN

BLOCK = 64 * 1024  # bytes per chunk sent to the client, in both streaming paths


def _tables() -> dict[str, str]:
    from django.contrib.auth import get_user_model

    return {
        "annotation": Annotation._meta.db_table,
        "article": Article._meta.db_table,
        "user": get_user_model()._meta.db_table,
        "evidence": Evidence._meta.db_table,
        "evidence_link": EvidenceLink._meta.db_table,
        "link": AnnotationLink._meta.db_table,
        "revision": ArticleRevision._meta.db_table,
        "verdict": Verdict._meta.db_table,
        "rating": Rating._meta.db_table,
    }


def _ts(column: str) -> str:
    return f"to_char({column} AT TIME ZONE 'UTC', '{ISO_UTC_PATTERN}')"


def _joined(t: dict[str, str], rows_sql: str) -> str:
    return f"""
        FROM ({rows_sql}) AS s
        JOIN {t["article"]} ar ON ar.id = s.article_id
        ORDER BY s.id"""


# Parallel workers would send every row through shared memory to be merged in order again
# (14.7 s against 8.1 s for CSV at 900,000 rows).
STREAMING = ("SET LOCAL max_parallel_workers_per_gather = 0",)
# An export of a large share of the table reads its rows in id order from the primary key
# rather than sorting the chosen ids first: COPY plans for the whole result, and the sort looked
# cheaper in all but held the first row back by 1-2 s at 900,000 rows. A small selection (one
# article's) keeps the sort: walking the whole key for it took 0.65 s instead of 0.02 s.
IN_KEY_ORDER = ("SET LOCAL enable_sort = off",)
IN_KEY_ORDER_FROM = 0.25  # of the table's rows


def jsonl_select(rows_sql: str) -> str:
    """Each record, ending in a line break, joined from the pieces PostgreSQL keeps per row
    (migration 0026 says how): the annotation's own members, evidence and links among them,
    and its article. `rows_sql` selects the annotations' `id`, `article_id` and `piece`, their
    `export_members` (_rows)."""
    t = _tables()
    return f"""
        SELECT '{{"id" : ' || s.id || ', "article" : ' || ar.export_object
               || ', ' || s.piece || E'}}\n'
        {_joined(t, rows_sql)}"""


def csv_select(rows_sql: str) -> str:
    """Each CSV row, ending in a line break, joined from the pieces PostgreSQL keeps per row
    (migration 0026): its cells already neutralised and quoted. `rows_sql` selects the
    annotations' `id`, `article_id` and `piece`, their `export_csv` (_rows)."""
    t = _tables()
    return f"""
        SELECT s.id || ',' || ar.id || ',' || ar.export_csv || ',' || s.piece || E'\\n'
        {_joined(t, rows_sql)}"""


def _copy(statement: str, params: tuple, rows: int | None) -> Iterator[bytes]:
    """Stream a COPY of one text column in blocks: libpq hands over one row at a time, HTTP
    wants fewer."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        if not connection.get_autocommit():  # SET LOCAL lasts for the export's transaction
            settings = STREAMING + (IN_KEY_ORDER if _large(cursor, rows) else ())
            for setting in settings:
                cursor.execute(setting)
        yield from _text_blocks(cursor, f"COPY ({statement}) TO STDOUT (FORMAT binary)", params)


def _large(cursor, rows: int | None) -> bool:
    """Whether `rows` (the export's count, when known) is a large share of the table."""
    if rows is None:
        return False
    cursor.execute(
        "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Annotation._meta.db_table]
    )
    (estimate,) = cursor.fetchone()
    return rows >= IN_KEY_ORDER_FROM * estimate


# COPY's binary form sends each value as it is, whatever it holds (CSV's quotes, commas and
# line breaks included): a file header, then per row a field count (2 bytes) and a length (4),
# then a trailer.
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)


def _text_blocks(cursor, statement: str, params: tuple) -> Iterator[bytes]:
    """The one text column of a binary COPY, its values run together, in blocks."""
    with cursor.copy(statement, params) as copy:
        buffer = bytearray()
        for message in copy:
            if message[:19] == BINARY_HEADER:
                message = message[19:]
            if message != b"\xff\xff":  # the trailer
                buffer += message[6:]
            if len(buffer) >= BLOCK:
                yield bytes(buffer)
                buffer.clear()
        if buffer:
            yield bytes(buffer)


def _ids(queryset: QuerySet) -> tuple[str, tuple]:
    return _sql(queryset.order_by().values("pk"), "SELECT 0::bigint WHERE false")


def _rows(queryset: QuerySet, piece: str) -> tuple[str, tuple]:
    """The queryset's own SQL, selecting each annotation's id, article and the named piece
    (a column the model does not declare, migration 0026).

    Selected by the filtering query itself, which PostgreSQL folds into the export's: one
    pass over the table, where selecting ids to look the rows up again (`WHERE id IN (...)`)
    made two (a million more buffer reads at 900,000 rows).
    """
    column = RawSQL(f'"{Annotation._meta.db_table}"."{piece}"', ())
    rows = queryset.order_by().annotate(piece=column).values("id", "article_id", "piece")
    nothing = "SELECT 0::bigint AS id, 0::bigint AS article_id, ''::text AS piece WHERE false"
    return _sql(rows, nothing)


def _sql(queryset: QuerySet, nothing: str) -> tuple[str, tuple]:
    """The queryset's SQL and parameters; `nothing`, the same columns and no row, when Django
    knows without asking that it matches nothing (`pk__in=[]`) and so writes no SQL at all."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return nothing, ()


def stream_jsonl(queryset: QuerySet, rows: int | None = None) -> Iterator[bytes]:
    rows_sql, params = _rows(queryset, "export_members")
    return _copy(jsonl_select(rows_sql), params, rows)


def stream_csv(queryset: QuerySet, rows: int | None = None) -> Iterator[bytes]:
    rows_sql, params = _rows(queryset, "export_csv")
    header = (",".join(CSV_COLUMNS) + "\n").encode()
    return itertools.chain([header], _copy(csv_select(rows_sql), params, rows))


def jsonl_rows(queryset: QuerySet) -> list[bytes]:
    """The queryset's records as JSON texts built by PostgreSQL (one per row, in id order), for
    a page of the `json` format: what the streamed path sends, without the COPY."""
    rows_sql, params = _rows(queryset, "export_members")
    return [text.rstrip(b"\n") for text in _texts(jsonl_select(rows_sql), params)]


def w3c_select(ids_sql: str) -> str:
    """The W3C Web Annotation form of records.w3c_annotation, joined from the pieces
    PostgreSQL keeps per row (migration 0027 says how) and what lies between them: the site's
    base IRI (the first parameter, escaped for JSON, then the ids query's), the claim's
    published verdict, the revision's date and the article's URL."""
    t = _tables()
    context = json.dumps(W3C_CONTEXT).replace("'", "''")
    text = "site.base || '/api/v1/articles/' || a.article_id || '/revisions/' || a.revision"
    text += " || '/text/'"
    return f"""
        SELECT '{{"@context": {context}, "id": "' || site.base || '/api/v1/annotations/' || a.id
               || '/", "type": "Annotation", "motivation": "classifying", ' || a.export_w3c_head
               || COALESCE(', {{"type": "TextualBody", "purpose": "assessing", "value": '
                           || to_json(r.name)::text || ', "format": "text/plain", "verdict": "'
                           || site.base || '/api/v1/verdicts/' || v.id || '/claimreview/"}}', '')
               || '], "target": {{"type": "SpecificResource", "source": "' || {text}
               || '", "state": {{"type": "TimeState", "sourceDate": '
               || COALESCE(to_json({_ts("rev.created_at")})::text, 'null')
               || ', "cached": "' || {text} || '"}}, '
               || CASE WHEN ar.source_url <> '' THEN '"scope": ' || to_json(ar.source_url)::text
                       || ', ' ELSE '' END
               || a.export_w3c_tail || '}}'
        FROM {t["annotation"]} a
        JOIN {t["article"]} ar ON ar.id = a.article_id
        CROSS JOIN (SELECT %s::text AS base) AS site
        LEFT JOIN {t["revision"]} rev ON rev.article_id = a.article_id AND rev.number = a.revision
        LEFT JOIN {t["verdict"]} v ON v.claim_id = a.id AND v.status = 'published'
        LEFT JOIN {t["rating"]} r ON r.id = v.rating_id
        WHERE a.id IN ({ids_sql})
        ORDER BY a.id"""


def w3c_rows(queryset: QuerySet, base: str) -> list[bytes]:
    """The queryset's W3C annotations as JSON texts built by PostgreSQL, in id order; `base`
    is the site's scheme and host."""
    ids_sql, params = _ids(queryset)
    return _texts(w3c_select(ids_sql), (json.dumps(base)[1:-1], *params))


class _Utf8(Loader):
    """Text as the bytes PostgreSQL sent (UTF-8: Django connects with that client encoding)."""

    def load(self, data) -> bytes:
        return bytes(data)


def _texts(statement: str, params: tuple) -> list[bytes]:
    """The one text column of each row as the bytes PostgreSQL sent: a page embeds them as they
    are, so decoding them to str only to encode them again would be wasted."""
    with connection.cursor() as cursor:  # Django's, so that tests count the query
        cursor.cursor.adapters.register_loader("text", _Utf8)
        cursor.execute(statement, params)
        return [text for (text,) in cursor.fetchall()]
