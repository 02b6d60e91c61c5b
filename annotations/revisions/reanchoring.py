"""Where a span of one revision of an article stands on the next: never silently elsewhere.

Each span gets one outcome, tried in this order:

1. **mapped**: the span lies inside a stretch the diff left untouched; its offsets are shifted
   through the diff and its words are the same by construction.
2. **found**: the quote occurs in the new text at exactly one place that fits its context.

A place *fits* when the few characters right around it on at least one side are the stored
ones (CONTEXT_CHECKED, within the span's paragraph: what lies across a paragraph break is not
its context, so moving paragraphs changes nothing; one side, because a correction right next
to a span changes the other). When the old text held the quote with that same close context
more than once, the whole stored prefix or suffix must fit instead. And a place in the new text
goes to one old place at most: when two old occurrences of the same words claim it (one of two
identical sentences was deleted, and each copy's span fits on one side), neither is accepted.
So a span never slides onto the surviving copy of its words without a person's say.

3. **proposed**: the quote occurs, but not once with its context (several times, or with other
   words around it), or only approximately (Bitap, a bounded number of errors): a place is
   proposed for a person to confirm, never accepted by itself.
4. **orphaned**: nothing good enough; the span keeps its old revision and quote.

The diff and the approximate search are diff-match-patch's (Google's, kept as a PyPI package):
the diff with semantic clean-up, so that a short run of letters a rewrite happens to share
with the old text is not taken for an untouched stretch.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal

import diff_match_patch

from annotations.spans import anchoring

Kind = Literal["mapped", "found", "proposed", "orphaned"]

# Bitap's threshold: 0 accepts only exact matches, 1 anything. 0.3 allows about one wrong
# character in three; what it finds is only ever proposed.
APPROXIMATE_THRESHOLD = 0.3
# How far from the expected place an approximate match may lie, in characters, before its
# distance alone makes it unacceptable (Bitap's Match_Distance).
APPROXIMATE_DISTANCE = 5_000
# Characters of context, each side, that must be unchanged for a place to fit.
CONTEXT_CHECKED = 8


Span = anchoring.Span  # what is re-anchored is what anchoring makes: offsets, quote, context


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    span: anchoring.Span | None  # where it stands (mapped, found) or is proposed; None: orphaned


class Mapping:
    """Offsets of the old text mapped through the diff, for the stretches the diff kept."""

    def __init__(self, old: str, new: str) -> None:
        engine = diff_match_patch.diff_match_patch()
        engine.Diff_Timeout = 0  # exact diffs: a timeout would make results depend on load
        diffs = engine.diff_main(old, new, False)
        engine.diff_cleanupSemantic(diffs)
        self.kept: list[tuple[int, int, int]] = []  # (old start, old end, new start)
        old_at = new_at = 0
        for op, text in diffs:
            if op == engine.DIFF_EQUAL:
                self.kept.append((old_at, old_at + len(text), new_at))
            if op != engine.DIFF_INSERT:
                old_at += len(text)
            if op != engine.DIFF_DELETE:
                new_at += len(text)
        self._starts = [start for start, _, _ in self.kept]
        self.diffs = diffs

    def shifted(self, start: int, end: int) -> tuple[int, int] | None:
        """The span's offsets in the new text, if it lies inside one kept stretch."""
        index = bisect.bisect_right(self._starts, start) - 1
        if index < 0:
            return None
        old_start, old_end, new_start = self.kept[index]
        if start >= old_start and end <= old_end:
            return new_start + start - old_start, new_start + end - old_start
        return None

    def expected(self, offset: int) -> int:
        """Where an old offset would roughly be in the new text (for ranking candidates)."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0:
            return offset
        old_start, _, new_start = self.kept[index]
        return new_start + offset - old_start


def _context(span: Span, *, whole: bool) -> tuple[str, str]:
    """The stored context within the span's paragraph: all of it, or the close part."""
    prefix = span.prefix.rpartition("\n")[2]
    suffix = span.suffix.partition("\n")[0]
    if whole:
        return prefix, suffix
    return prefix[-CONTEXT_CHECKED:], suffix[:CONTEXT_CHECKED]


def _fits(text: str, start: int, length: int, context: tuple[str, str]) -> bool:
    """Whether the text around the place matches the context on at least one side."""
    prefix, suffix = context
    before = bool(prefix) and text[:start].endswith(prefix)
    after = bool(suffix) and text[start + length :].startswith(suffix)
    at_edge = (not prefix and start == 0) or (not suffix and start + length == len(text))
    return before or after or at_edge


def _occurrences(text: str, quote: str) -> list[int]:
    found, index = [], text.find(quote)
    while index != -1:
        found.append(index)
        index = text.find(quote, index + 1)
    return found


def _approximate(new: str, quote: str, expected: int) -> int | None:
    engine = diff_match_patch.diff_match_patch()
    engine.Match_MaxBits = 0  # Python's integers hold patterns of any length
    engine.Match_Threshold = APPROXIMATE_THRESHOLD
    engine.Match_Distance = APPROXIMATE_DISTANCE
    location = engine.match_main(new, quote, max(0, min(expected, len(new))))
    return None if location == -1 else location


def _aligned_end(new: str, start: int, quote: str) -> int:
    """Where an approximate match of `quote` starting at `start` ends: its last character
    mapped through a diff of the quote against the text there ("Jon" -> "John" ends one later)."""
    engine = diff_match_patch.diff_match_patch()
    engine.Diff_Timeout = 0
    window = new[start : start + len(quote) + max(8, len(quote) // 2)]
    diffs = engine.diff_main(quote, window, False)
    return min(len(new), start + engine.diff_xIndex(diffs, len(quote) - 1) + 1)


def locate(mapping: Mapping, old: str, new: str, span: Span) -> Outcome:
    """The outcome for one span of the old text (see the module's docstring)."""
    size = len(span.quote)
    starts = _occurrences(new, span.quote)
    # The other places the old text holds these words, each with its own context: a new place
    # that fits one of them as well as this span is not this span's to take.
    rivals = []
    for other in _occurrences(old, span.quote):
        if other != span.start:
            prefix, suffix = anchoring.context(old, other, other + size)
            rivals.append(Span(other, other + size, span.quote, prefix, suffix))
    close = _context(span, whole=False)
    twins = [r for r in rivals if _context(r, whole=False) == close]
    whole = bool(twins)

    def fits(start: int) -> bool:
        if not _fits(new, start, size, _context(span, whole=whole)):
            return False
        return not any(_fits(new, start, size, _context(r, whole=whole)) for r in rivals)

    shifted = mapping.shifted(span.start, span.end)
    if shifted is not None and fits(shifted[0]):
        return Outcome("mapped", anchoring.span_at(new, *shifted))
    expected = mapping.expected(span.start)
    fitting = [s for s in starts if fits(s)]
    if len(fitting) == 1:
        start = fitting[0]
        return Outcome("found", anchoring.span_at(new, start, start + size))
    if starts:
        best = min(fitting or starts, key=lambda s: abs(s - expected))
        return Outcome("proposed", anchoring.span_at(new, best, best + size))
    if not span.quote.strip() or not new:
        return Outcome("orphaned", None)
    location = _approximate(new, span.quote, expected)
    if location is None:
        return Outcome("orphaned", None)
    end = _aligned_end(new, location, span.quote)
    if end <= location:
        return Outcome("orphaned", None)
    return Outcome("proposed", anchoring.span_at(new, location, end))


def reanchor(old: str, new: str, spans: list[Span]) -> list[Outcome]:
    """The outcome of every span of `old` on `new`, in the order given."""
    mapping = Mapping(old, new)
    return [locate(mapping, old, new, span) for span in spans]


def changes(old: str, new: str) -> list[list[str]]:
    """What changed from one text to another, as ["equal" | "delete" | "insert", text] runs,
    cleaned up to whole words and phrases for people to read."""
    names = {0: "equal", -1: "delete", 1: "insert"}
    return [[names[op], text] for op, text in Mapping(old, new).diffs]
