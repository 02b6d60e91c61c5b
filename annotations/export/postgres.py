"""The streaming formats on PostgreSQL: rows built in SQL and sent with COPY.

COPY is the fastest way out of PostgreSQL; building each JSON line or CSV row in the same SELECT
leaves Python only to pass bytes on. Each JSON line and CSV row is joined from pieces
PostgreSQL keeps on every write (migration 0026), so an export builds neither JSON nor CSV
cells. The rows are the ones records.py builds in Python; tests check that both agree.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

from django.db import connection
from django.db.models import QuerySet

from annotations.export.records import CSV_COLUMNS, OFFSET_UNIT, W3C_CONTEXT
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
from annotations.shape import ISO_UTC_PATTERN

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


def _from(t: dict[str, str], ids_sql: str) -> str:
    return f"""
        FROM {t["annotation"]} a
        JOIN {t["article"]} ar ON ar.id = a.article_id
        WHERE a.id IN ({ids_sql})
        ORDER BY a.id"""


# Parallel workers would send every row through shared memory to be merged in order again
# (14.7 s against 8.1 s for CSV at 900,000 rows).
STREAMING = ("SET LOCAL max_parallel_workers_per_gather = 0",)
# An export of a large share of the table reads its rows in id order from the primary key
# rather than sorting the chosen ids first: COPY plans for the whole result, and the sort looked
# cheaper in all but held the first row back by 1-2 s at 900,000 rows. A small selection (one
# article's) keeps the sort: walking the whole key for it took 0.65 s instead of 0.02 s.
IN_KEY_ORDER = ("SET LOCAL enable_sort = off",)
IN_KEY_ORDER_FROM = 0.25  # of the table's rows


def jsonl_select(ids_sql: str) -> str:
    """Each record, ending in a line break, joined from the pieces PostgreSQL keeps per row
    (migration 0026 says how): the annotation's own members, evidence and links among them,
    and its article."""
    t = _tables()
    return f"""
        SELECT '{{"id" : ' || a.id || ', "article" : ' || ar.export_object
               || ', ' || a.export_members || E'}}\n'
        {_from(t, ids_sql)}"""


def csv_select(ids_sql: str) -> str:
    """Each CSV row, ending in a line break, joined from the pieces PostgreSQL keeps per row
    (migration 0026): its cells already neutralised and quoted."""
    t = _tables()
    return f"""
        SELECT a.id || ',' || ar.id || ',' || ar.export_csv || ',' || a.export_csv || E'\\n'
        {_from(t, ids_sql)}"""


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
    return queryset.order_by().values("pk").query.sql_with_params()


def stream_jsonl(queryset: QuerySet, rows: int | None = None) -> Iterator[bytes]:
    ids_sql, params = _ids(queryset)
    return _copy(jsonl_select(ids_sql), params, rows)


def stream_csv(queryset: QuerySet, rows: int | None = None) -> Iterator[bytes]:
    ids_sql, params = _ids(queryset)
    header = (",".join(CSV_COLUMNS) + "\n").encode()
    return itertools.chain([header], _copy(csv_select(ids_sql), params, rows))


def jsonl_rows(queryset: QuerySet) -> list[bytes]:
    """The queryset's records as JSON texts built by PostgreSQL (one per row, in id order), for
    a page of the `json` format: what the streamed path sends, without the COPY."""
    ids_sql, params = _ids(queryset)
    with connection.cursor() as cursor:
        cursor.execute(jsonl_select(ids_sql), params)
        return [row.rstrip("\n").encode() for (row,) in cursor.fetchall()]


def _w3c_target(scoped: bool) -> str:
    text = (
        "site.base || '/api/v1/articles/' || a.article_id || '/revisions/' || a.revision "
        "|| '/text/'"
    )
    scope = "'scope', ar.source_url," if scoped else ""
    return f"""json_build_object(
                'type', 'SpecificResource',
                'source', {text},
                'state', json_build_object(
                    'type', 'TimeState', 'sourceDate', {_ts("rev.created_at")}, 'cached', {text}),
                {scope}
                'selector', json_build_array(
                    json_build_object('type', 'TextQuoteSelector', 'exact', a.quote,
                                      'prefix', a.prefix, 'suffix', a.suffix),
                    json_build_object('type', 'TextPositionSelector',
                                      'start', a.start, 'end', a."end")))"""


def _w3c_evidence(note: bool) -> str:
    extra = ", 'evidenceNote', el.note" if note else ""
    return f"""json_build_object('type', 'SpecificResource', 'purpose', 'linking',
                                 'source', e.url, 'stance', el.stance,
                                 'evidenceTitle', e.title{extra})"""


def w3c_select(ids_sql: str) -> str:
    """The W3C Web Annotation form of records.w3c_annotation, built in SQL; the first
    parameter is the site's base IRI (scheme and host), then the ids query's."""
    t = _tables()
    context = json.dumps(W3C_CONTEXT).replace("'", "''")
    return f"""
        SELECT json_build_object(
            '@context', '{context}'::json,
            'id', site.base || '/api/v1/annotations/' || a.id || '/',
            'type', 'Annotation',
            'motivation', 'classifying',
            'created', {_ts('a."created_at"')},
            'modified', {_ts('a."updated_at"')},
            'creator', json_build_object('type', 'Person', 'nickname', au.username),
            'body', (SELECT json_agg(item ORDER BY n, at, id) FROM (
                SELECT 0 AS n, NULL::timestamptz AS at, 0::bigint AS id,
                       json_build_object('type', 'TextualBody', 'purpose', 'tagging',
                                         'value', a.label, 'format', 'text/plain') AS item
                UNION ALL
                SELECT 1, NULL, 0, json_build_object('type', 'TextualBody', 'purpose',
                       'commenting', 'value', a.note, 'format', 'text/plain')
                WHERE a.note <> ''
                UNION ALL
                SELECT 2, el.created_at, el.id,
                       CASE WHEN el.note <> '' THEN {_w3c_evidence(True)}
                            ELSE {_w3c_evidence(False)} END
                FROM {t["evidence_link"]} el JOIN {t["evidence"]} e ON e.id = el.evidence_id
                WHERE el.annotation_id = a.id
                UNION ALL
                SELECT 3, v.published_at, v.id,
                       json_build_object('type', 'TextualBody', 'purpose', 'assessing',
                                         'value', r.name, 'format', 'text/plain',
                                         'verdict', site.base || '/api/v1/verdicts/' || v.id
                                                    || '/claimreview/')
                FROM {t["verdict"]} v JOIN {t["rating"]} r ON r.id = v.rating_id
                WHERE v.claim_id = a.id AND v.status = 'published') AS body),
            'target', CASE WHEN ar.source_url <> '' THEN {_w3c_target(True)}
                           ELSE {_w3c_target(False)} END,
            'reviewStatus', a.status,
            'annotationLinks', COALESCE((
                SELECT json_agg(json_build_object('kind', l.kind, 'target', l.target_id)
                                ORDER BY l.created_at, l.id)
                FROM {t["link"]} l WHERE l.source_id = a.id), '[]'::json),
            'offsetUnit', '{OFFSET_UNIT}')
        FROM {t["annotation"]} a
        JOIN {t["article"]} ar ON ar.id = a.article_id
        JOIN {t["user"]} au ON au.id = a.author_id
        CROSS JOIN (SELECT %s::text AS base) AS site
        LEFT JOIN {t["revision"]} rev ON rev.article_id = a.article_id AND rev.number = a.revision
        WHERE a.id IN ({ids_sql})
        ORDER BY a.id"""


def w3c_rows(queryset: QuerySet, base: str) -> list[bytes]:
    """The queryset's W3C annotations as JSON texts built by PostgreSQL, in id order."""
    ids_sql, params = _ids(queryset)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT row::text FROM ({w3c_select(ids_sql)}) AS rows(row)", (base, *params)
        )
        return [row.encode() for (row,) in cursor.fetchall()]
