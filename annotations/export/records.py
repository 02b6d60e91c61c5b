"""One annotation as each export format writes it, built in Python from a shaped queryset.

The streaming formats on PostgreSQL build the same records in SQL (export/postgres.py); a test
checks that both agree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from annotations.models import Annotation
from annotations.spans.shape import ANNOTATION_FIELDS

OFFSET_UNIT = "code_point"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# A cell a spreadsheet would run as a formula: one that starts with a tab or CR, or with
# = + - @ (or their fullwidth forms, which some spreadsheets fold) after any white space and
# control characters. One pattern for both paths: Python's re and PostgreSQL's regular
# expressions read these escapes alike (postgres.py puts it in the SQL).
FORMULA_PATTERN = (
    r"^(?:[\t\r]|[\x01-\x20\x7f-\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*"
    r"[-=+@\uff0d\uff1d\uff0b\uff20])"
)
_FORMULA = re.compile(FORMULA_PATTERN)

# The W3C context, plus the workbench's own terms so JSON-LD processors keep them.
W3C_CONTEXT: list[Any] = [
    "http://www.w3.org/ns/anno.jsonld",
    {
        "fcw": "urn:x-fact-check-workbench:terms#",
        "stance": "fcw:stance",
        "evidenceTitle": "fcw:evidenceTitle",
        "evidenceNote": "fcw:evidenceNote",
        "reviewStatus": "fcw:reviewStatus",
        "annotationLinks": {"@id": "fcw:annotationLinks", "@type": "@json"},
        "offsetUnit": "fcw:offsetUnit",
        "verdict": {"@id": "fcw:verdict", "@type": "@id"},
    },
]
W3C_CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'

ARTICLE_COLUMNS = ["article_id", "article_title", "article_url", "article_publisher"]
CSV_COLUMNS = ["id", *ARTICLE_COLUMNS, *ANNOTATION_FIELDS, "evidence", "links", "offset_unit"]


def timestamp(value: dt.datetime | None) -> str | None:
    """UTC, microseconds, Z: the one timestamp form every format uses."""
    return value.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT) if value else None


def neutralise(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (see FORMULA_PATTERN)."""
    return "'" + value if _FORMULA.match(value) else value


def _described(annotation: Annotation, name: str) -> Any:
    value = getattr(annotation, name)
    kind = ANNOTATION_FIELDS[name]
    if kind == "user":
        return value.username if value is not None else None
    if kind == "time":
        return timestamp(value)
    return value


def record(annotation: Annotation) -> dict[str, Any]:
    """The JSON and JSONL form."""
    article = annotation.article
    return {
        "id": annotation.pk,
        "article": {
            "id": article.pk,
            "title": article.title,
            "url": article.source_url or None,
            "publisher": article.publisher,
        },
        **{name: _described(annotation, name) for name in ANNOTATION_FIELDS},
        "evidence": [
            {
                "url": link.evidence.url,
                "title": link.evidence.title,
                "publisher": link.evidence.publisher,
                "stance": link.stance,
                "note": link.note,
            }
            for link in annotation.evidence_links.all()
        ],
        "links": [
            {"kind": link.kind, "target": link.target_id}
            for link in annotation.outgoing_links.all()
        ],
        "offset_unit": OFFSET_UNIT,
    }


def csv_row(annotation: Annotation) -> list[Any]:
    """One CSV row, columns as CSV_COLUMNS; evidence as "stance url" items joined by "; "."""
    data = record(annotation)
    article = data["article"]
    evidence = "; ".join(f"{e['stance']} {e['url']}" for e in data["evidence"])
    links = "; ".join(f"{link['kind']} {link['target']}" for link in data["links"])
    values = [
        data["id"],
        *(article[key] for key in ("id", "title", "url", "publisher")),
        *(data[name] for name in ANNOTATION_FIELDS),
        evidence,
        links,
        OFFSET_UNIT,
    ]
    return [neutralise(v) if isinstance(v, str) else ("" if v is None else v) for v in values]


def w3c_annotation(annotation: Annotation, iri: Callable[[str], str]) -> dict[str, Any]:
    """The W3C Web Annotation Data Model form; `iri` turns a site path into an absolute IRI.

    The annotation comes from a queryset shaped by with_article() and with_revision_date().
    """
    data = record(annotation)
    text = iri(f"/api/v1/articles/{annotation.article_id}/revisions/{annotation.revision}/text/")
    article_url = annotation.article.source_url or None
    body: list[dict[str, Any]] = [
        {
            "type": "TextualBody",
            "purpose": "tagging",
            "value": annotation.label,
            "format": "text/plain",
        }
    ]
    if annotation.note:
        body.append(
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": annotation.note,
                "format": "text/plain",
            }
        )
    for evidence in data["evidence"]:
        body.append(
            {
                "type": "SpecificResource",
                "purpose": "linking",
                "source": evidence["url"],
                "stance": evidence["stance"],
                "evidenceTitle": evidence["title"],
                **({"evidenceNote": evidence["note"]} if evidence["note"] else {}),
            }
        )
    if getattr(annotation, "verdict_id", None):  # a claim's published verdict: it assesses it
        body.append(
            {
                "type": "TextualBody",
                "purpose": "assessing",
                "value": annotation.verdict_rating,
                "format": "text/plain",
                "verdict": iri(f"/api/v1/verdicts/{annotation.verdict_id}/claimreview/"),
            }
        )
    return {
        "@context": W3C_CONTEXT,
        "id": iri(f"/api/v1/annotations/{annotation.pk}/"),
        "type": "Annotation",
        "motivation": "classifying",
        "created": data["created_at"],
        "modified": data["updated_at"],
        "creator": {"type": "Person", "nickname": annotation.author.username},
        "body": body,
        # The source is the text the offsets count into, the article's revision as plain text, so
        # a generic client resolves the selectors against exactly that; the state says which
        # revision (when it was made), and the scope is the article as published.
        "target": {
            "type": "SpecificResource",
            "source": text,
            "state": {
                "type": "TimeState",
                "sourceDate": timestamp(annotation.revision_date),
                "cached": text,
            },
            **({"scope": article_url} if article_url else {}),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": annotation.quote,
                    "prefix": annotation.prefix,
                    "suffix": annotation.suffix,
                },
                {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
            ],
        },
        "reviewStatus": annotation.status,
        "annotationLinks": data["links"],
        "offsetUnit": OFFSET_UNIT,
    }
