"""The fields an annotation is described by outside the database, declared once.

The API, the exports (built in Python and in SQL), the transfer file and the admin list these
fields in this order; each adds only what is its own (ids, the article, evidence and links).
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["text", "number", "user", "time"]

# name -> how it is stored: text and numbers as they are, users by username, times as UTC.
ANNOTATION_FIELDS: dict[str, Kind] = {
    "label": "text",
    "start": "number",
    "end": "number",
    "quote": "text",
    "prefix": "text",
    "suffix": "text",
    "note": "text",
    "status": "text",
    "author": "user",
    "reviewer": "user",
    "review_note": "text",
    "created_at": "time",
    "updated_at": "time",
    "submitted_at": "time",
    "reviewed_at": "time",
    "revision": "number",  # the article revision the offsets and quote count into
    "origin": "text",  # an annotator's own, or the article's adjudicated set
    "proposed_by": "text",  # adjudicated: the annotators who proposed it, comma-separated
}


def names(*kinds: Kind) -> list[str]:
    """The field names of these kinds (all of them when none is named), in order."""
    return [name for name, kind in ANNOTATION_FIELDS.items() if not kinds or kind in kinds]


# How a time is written in every JSON the workbench sends: ISO 8601 in UTC with a Z, to the
# microsecond (PostgreSQL's to_char pattern, for JSON built in the database).
ISO_UTC_PATTERN = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
