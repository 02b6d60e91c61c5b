"""How far independent annotators of the same text agree: the measures, as pure functions.

Spans are (start, end, label) in code points; each annotator's spans of one text are compared
with every other annotator's.

- **Exact match**: same start, end and label.
- **Overlap match**: same label and at least one shared character. Matching is one to one,
  the largest overlaps first, so a long span covering two short ones matches only one of them.
  Precision, recall and F1 of annotator B against annotator A count B's matched spans over B's
  spans, and A's matched spans over A's; F1 is the same either way round.
- **Links** (attribution -> claim, denial -> claim) agree when both annotators link the spans
  that matched (under the same rule), with the same kind.
- **Krippendorff's unitizing alpha** (alpha_U, Krippendorff 2004, "Measuring the reliability of
  qualitative text analysis data", Quality & Quantity 38: 787-800), per label: each annotator
  cuts the text into units of the label and gaps; the observed disagreement sums, over every
  ordered pair of annotators and every pair of their segments, the squared differences of the
  ends of two overlapping units, or the squared length of a unit lying inside the other's gap;
  the expected disagreement is what the same units would give placed at random. 1 is perfect
  agreement; 0, chance; below 0, systematic disagreement. Undefined (None) where nobody used
  the label. The paper's worked example (its Figure 2) is a test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, permutations

Span = tuple[int, int, str]  # start, end, label
Link = tuple[Span, Span, str]  # source span, target span, kind


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of one annotator's spans against another's, with the counts."""

    matched: int
    reference: int
    predicted: int

    @property
    def precision(self) -> float | None:
        return self.matched / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference if self.reference else None

    @property
    def f1(self) -> float | None:
        total = self.reference + self.predicted
        return 2 * self.matched / total if total else None

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            self.matched + other.matched,
            self.reference + other.reference,
            self.predicted + other.predicted,
        )


def overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def matches(reference: Iterable[Span], predicted: Iterable[Span], rule: str) -> dict[Span, Span]:
    """One-to-one matches, reference span -> predicted span, under "exact" or "overlap"."""
    reference, predicted = sorted(set(reference)), sorted(set(predicted))
    if rule == "exact":
        found = set(predicted)
        return {span: span for span in reference if span in found}
    candidates = sorted(
        (
            (-overlap(a, b), a, b)
            for a in reference
            for b in predicted
            if a[2] == b[2] and overlap(a, b) > 0
        ),
    )
    paired: dict[Span, Span] = {}
    taken: set[Span] = set()
    for _, a, b in candidates:
        if a not in paired and b not in taken:
            paired[a] = b
            taken.add(b)
    return paired


def span_scores(reference: Sequence[Span], predicted: Sequence[Span], rule: str) -> Scores:
    return Scores(
        len(matches(reference, predicted, rule)), len(set(reference)), len(set(predicted))
    )


def link_scores(
    reference: Sequence[Span],
    predicted: Sequence[Span],
    reference_links: Iterable[Link],
    predicted_links: Iterable[Link],
    rule: str,
) -> Scores:
    """Links agree when the other annotator linked the matching spans with the same kind."""
    paired = matches(reference, predicted, rule)
    theirs = set(predicted_links)
    ours = set(reference_links)
    agreed = sum(
        1
        for source, target, kind in ours
        if source in paired
        and target in paired
        and (paired[source], paired[target], kind) in theirs
    )
    return Scores(agreed, len(ours), len(theirs))


def _segments(units: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int, bool]]:
    """A continuum of `length` cut into (begin, length, is_unit): units and the gaps between.
    Overlapping units of one annotator and one label are merged: a unit is a stretch of text."""
    merged: list[list[int]] = []
    for start, end in sorted(units):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    segments, at = [], 0
    for start, end in merged:
        if start > at:
            segments.append((at, start - at, False))
        segments.append((start, end - start, True))
        at = end
    if at < length:
        segments.append((at, length - at, False))
    return segments


def _pair_disagreement(g: tuple[int, int, bool], h: tuple[int, int, bool]) -> int:
    (bg, lg, unit_g), (bh, lh, unit_h) = g, h
    if unit_g and unit_h:
        if -lg < bg - bh < lh:  # they overlap
            return (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
        return 0
    if unit_g and not unit_h and lh - lg >= bg - bh >= 0:  # g lies inside h's gap
        return lg**2
    if unit_h and not unit_g and lg - lh >= bh - bg >= 0:  # h lies inside g's gap
        return lh**2
    return 0


def alpha_u(units: Mapping[str, Iterable[tuple[int, int]]], length: int) -> float | None:
    """Krippendorff's alpha_U for one label over one continuum of `length` characters.

    `units` maps each annotator (at least two) to their units (start, end) of the label.
    """
    coders = [_segments(spans, length) for spans in units.values()]
    m = len(coders)
    counted = [[s for s in segments if s[2]] for segments in coders]
    n = sum(len(u) for u in counted)  # units of the label, all annotators together
    if m < 2 or n == 0 or length == 0:
        return None
    observed = sum(
        _pair_disagreement(g, h) for a, b in permutations(coders, 2) for g in a for h in b
    )
    observed /= m * (m - 1) * length**2
    gaps = [lh for segments in coders for (_, lh, unit) in segments if not unit]
    expected = 0.0
    for units_of_one in counted:
        for _, lg, _ in units_of_one:
            expected += (n - 1) / 3 * (2 * lg**3 - 3 * lg**2 + lg)
            expected += sum(lg**2 * (lh - lg + 1) for lh in gaps if lh >= lg)
    possible = m * length * (m * length - 1) - sum(lg * (lg - 1) for u in counted for _, lg, _ in u)
    expected *= 2 / length
    expected /= possible
    if expected == 0:
        return 1.0 if observed == 0 else None
    return 1 - observed / expected


def pairs(annotators: Iterable[str]) -> list[tuple[str, str]]:
    """Every unordered pair of annotators, in name order."""
    return list(combinations(sorted(annotators), 2))
