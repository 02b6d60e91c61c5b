"""What a valid span is: canonical body text, code-point offsets, quotes and their context.

Offsets count Unicode code points of the canonical body, as the W3C TextPositionSelector does;
Python string indices already count code points, so slicing the body is the reference.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import regex

CONTEXT_CHARS = 32
_GRAPHEME = regex.compile(r"\X")

_TRAILING_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+$", re.MULTILINE)


class SpanError(ValueError):
    """A span that does not fit the body; `field` names the input at fault."""

    def __init__(self, message: str, field: str = "non_field_errors") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def normalise_body(text: str) -> str:
    """Return the canonical body: NFC, \\n line endings, no trailing white space or blank lines
    around it.

    Offsets are counted into this form, so every path that stores a body goes through it.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE.sub("", text)
    return text.strip("\n")


def body_hash(body: str) -> str:
    """Return the SHA-256 of the canonical body, used to recognise a re-imported article."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


def context(body: str, start: int, end: int) -> tuple[str, str]:
    """Return the prefix and suffix around a span: 32 code points each, or more, doubling
    until the quote with its context occurs only once in the body.

    A TextQuoteSelector is resolved by searching for prefix + quote + suffix; with a sentence
    repeated four times, 32 characters either side can be the same for two copies and a client
    would land on the wrong one (Apache Annotator's describeTextQuote extends it the same way).
    """
    size = CONTEXT_CHARS
    while True:
        prefix, suffix = body[max(0, start - size) : start], body[end : end + size]
        needle = prefix + body[start:end] + suffix
        first = body.find(needle)
        unique = body.find(needle, first + 1) == -1
        if unique or (start - size <= 0 and end + size >= len(body)):
            return prefix, suffix
        size *= 2


def _splits_a_character(body: str, offset: int) -> bool:
    """Whether the offset falls inside a user-perceived character (a grapheme cluster: a flag,
    an emoji with skin tone or ZWJ sequence, a letter with combining accents).

    Clusters are found from a little before the offset: their rules look only at neighbours,
    so the segmentation agrees with the whole text's well before it reaches the offset.
    """
    if offset <= 0 or offset >= len(body):
        return False
    window_start = max(0, offset - 64)
    at = window_start
    for cluster in _GRAPHEME.finditer(body, window_start, min(len(body), offset + 64)):
        at = cluster.end()
        if at >= offset:
            return at != offset and cluster.start() != offset
    return False


def check_offsets(body: str, start: int, end: int) -> None:
    """Raise SpanError unless 0 <= start < end <= len(body) and neither splits a character."""
    if start < 0:
        raise SpanError("start must be 0 or more.", "start")
    if end <= start:
        raise SpanError("end must be greater than start.", "end")
    if end > len(body):
        raise SpanError(
            f"end {end} is past the end of the article body ({len(body)} characters).", "end"
        )
    for name, offset in (("start", start), ("end", end)):
        if _splits_a_character(body, offset):
            raise SpanError(
                f"{name} {offset} splits a character (a letter from its accent, a flag or an "
                "emoji sequence): a span starts and ends between whole characters.",
                name,
            )


def span_at(body: str, start: int, end: int, quote: str | None = None) -> Span:
    """Return the span at these offsets; a quote given by the client must match the body there."""
    check_offsets(body, start, end)
    exact = body[start:end]
    if quote is not None and quote != exact:
        raise SpanError(
            f"quote does not match the article text at {start}-{end} (the text there is "
            f"{_shorten(exact)!r}). Offsets count Unicode code points, not UTF-16 units.",
            "quote",
        )
    prefix, suffix = context(body, start, end)
    return Span(start, end, exact, prefix, suffix)


def locate(body: str, quote: str, prefix: str = "", suffix: str = "") -> Span:
    """Find a quote in the body, using prefix and suffix to choose among repeats.

    A quote that occurs more than once and that its context does not single out is refused
    rather than guessed: a wrong guess would silently anchor the annotation to other words.
    """
    if not quote:
        raise SpanError("quote must not be empty.", "quote")
    starts = _occurrences(body, quote)
    if not starts:
        raise SpanError("quote does not occur in the article body.", "quote")
    if len(starts) > 1 and (prefix or suffix):
        starts = [
            s
            for s in starts
            if body[:s].endswith(prefix) and body[s + len(quote) :].startswith(suffix)
        ]
        if not starts:
            raise SpanError("quote occurs in the article but never with that prefix and suffix.")
    if len(starts) > 1:
        raise SpanError(
            f"quote occurs {len(starts)} times in the article; send start and end, or a prefix "
            "or suffix that tells the occurrences apart.",
            "quote",
        )
    start = starts[0]
    return span_at(body, start, start + len(quote))


def _occurrences(body: str, quote: str) -> list[int]:
    found: list[int] = []
    index = body.find(quote)
    while index != -1:
        found.append(index)
        index = body.find(quote, index + 1)
    return found


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*\s+|\n+")


def surrounding(
    body: str, start: int, end: int, sentences: int = 2, limit: int = 600
) -> tuple[str, str]:
    """Return the text before and after a span: a few whole sentences, at most `limit` each side.

    Reviewers judge a span in its context; whole sentences read better than a fixed window.
    """
    boundaries_before = [
        m.end() for m in _SENTENCE_END.finditer(body, max(0, start - limit), start)
    ]
    cut = boundaries_before[-(sentences + 1)] if len(boundaries_before) > sentences else None
    left = max(0, start - limit) if cut is None and start > limit else (cut or 0)
    boundaries_after = [m.end() for m in _SENTENCE_END.finditer(body, end, end + limit)]
    if len(boundaries_after) > sentences:
        right = boundaries_after[sentences]
    else:
        right = min(len(body), end + limit)
    return body[left:start], body[end:right].rstrip()
