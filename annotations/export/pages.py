"""The paged formats: keyset pages by id, so a page never shifts when rows are added meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from django.db import connection
from django.db.models import QuerySet

from annotations.export import postgres
from annotations.export.records import W3C_CONTEXT, record, w3c_annotation

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def page_of(queryset: QuerySet, *, after: int, size: int) -> tuple[list, int | None]:
    """Return the rows after id `after` and the cursor of the next page, if any."""
    rows = queryset.with_article().with_revision_date().filter(pk__gt=after).order_by("pk")
    rows = list(rows[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more and rows else None)


def json_page(
    queryset: QuerySet, *, after: int, size: int, link: Callable[..., str], **_: Any
) -> dict[str, Any]:
    """A page of records; the W3C page's positional arguments are not needed here."""
    if connection.vendor == "postgresql":
        ids, following = _ids_after(queryset, after=after, size=size)
        results: list[Any] = _fragments(postgres.jsonl_rows, queryset, ids)
    else:
        rows, following = page_of(queryset, after=after, size=size)
        results = [record(annotation) for annotation in rows]
    return {"next": link(following) if following is not None else None, "results": results}


# On PostgreSQL the paged formats are built by the database like the streamed ones (tests hold
# both to records.py) and embedded as they come: a page of 1,000 in about the time of the same
# rows in JSONL, where model instances and Python dicts took 15-18 times as long.
def _ids_after(queryset: QuerySet, *, after: int, size: int) -> tuple[list[int], int | None]:
    ids = queryset.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)
    ids = list(ids[: size + 1])
    return ids[:size], (ids[size - 1] if len(ids) > size else None)


def _fragments(
    build: Callable[..., list[bytes]], queryset: QuerySet, ids: list[int], *args: Any
) -> list[Any]:
    if not ids:
        return []
    page = queryset.model.objects.filter(pk__in=ids)
    return [orjson.Fragment(text) for text in build(page, *args)]


def w3c_collection(
    queryset: QuerySet, *, collection_iri: str, link: Callable[..., str], **_: Any
) -> dict[str, Any]:
    total = queryset.count()
    return {
        "@context": W3C_CONTEXT,
        "id": collection_iri,
        "type": "AnnotationCollection",
        "label": "Fact-check annotations",
        "total": total,
        "first": link(0, start=0, total=total),
    }


def w3c_page(
    queryset: QuerySet,
    *,
    after: int,
    size: int,
    start: int | None,
    total: int | None,
    collection_iri: str,
    link: Callable[..., str],
    iri: Callable[[str], str],
) -> dict[str, Any]:
    """One AnnotationPage. `start` and `total` ride along in the links this document hands out,
    so a client walking them costs no COUNT per page; a page reached otherwise counts them."""
    if connection.vendor == "postgresql":
        ids, following = _ids_after(queryset, after=after, size=size)
        items: list[Any] = _fragments(postgres.w3c_rows, queryset, ids, iri("/").rstrip("/"))
    else:
        rows, following = page_of(queryset, after=after, size=size)
        items = [w3c_annotation(annotation, iri) for annotation in rows]
    if total is None:
        total = queryset.count()
    if start is None:
        start = queryset.filter(pk__lte=after).count()
    document: dict[str, Any] = {
        "@context": W3C_CONTEXT,
        "id": link(after, start=start, total=total),
        "type": "AnnotationPage",
        "partOf": {"id": collection_iri, "type": "AnnotationCollection", "total": total},
        "startIndex": start,
        "items": items,
    }
    if following is not None:
        document["next"] = link(following, start=start + len(items), total=total)
    return document
