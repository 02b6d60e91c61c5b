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

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass
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


@dataclass(frozen=True)
class AlphaParts:
    """One text's share of alpha_U for one label: sums that add up over the texts of a project
    (Krippendorff sums over documents), so a project's alpha reads no text twice."""

    observed: float  # squared disagreements summed over ordered pairs, / m(m - 1)
    spread: float  # over units, (2l^3 - 3l^2 + l) / 3: times (n - 1) in the expectation
    in_gaps: float  # over units, l^2 (l_gap - l + 1) for each gap at least as long
    locations: float  # mL(mL - 1) less, over units, l(l - 1)
    units: int
    length: int

    def __add__(self, other: AlphaParts) -> AlphaParts:
        return AlphaParts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


def _disagreement(a: list[tuple[int, int, bool]], b: list[tuple[int, int, bool]]) -> int:
    """Squared disagreements of coder a's segments against coder b's. Both partition the same
    continuum, so only segments sharing characters can disagree: one sweep finds them."""
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        (bg, lg, unit_g), (bh, lh, unit_h) = a[i], b[j]
        if unit_g and unit_h:
            total += (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
        elif unit_g and bh <= bg and bg + lg <= bh + lh:  # g lies inside h's gap
            total += lg**2
        elif unit_h and bg <= bh and bh + lh <= bg + lg:  # h lies inside g's gap
            total += lh**2
        if bg + lg <= bh + lh:
            i += 1
        if bh + lh <= bg + lg:
            j += 1
    return total


def alpha_parts(units: Mapping[str, Iterable[tuple[int, int]]], length: int) -> AlphaParts:
    """The sums for one text; `units` maps each annotator to their units (start, end)."""
    coders = [_segments(spans, length) for spans in units.values()]
    m = len(coders)
    lengths = [lg for segments in coders for (_, lg, unit) in segments if unit]
    gaps = sorted(lg for segments in coders for (_, lg, unit) in segments if not unit)
    suffix = [0] * (len(gaps) + 1)  # suffix[k]: the lengths of gaps[k:] summed
    for k in range(len(gaps) - 1, -1, -1):
        suffix[k] = suffix[k + 1] + gaps[k]
    in_gaps = 0
    for lg in lengths:
        k = bisect_left(gaps, lg)
        in_gaps += lg**2 * (suffix[k] - (len(gaps) - k) * (lg - 1))
    observed = 0.0
    if m >= 2:
        observed = sum(_disagreement(a, b) for a, b in permutations(coders, 2)) / (m * (m - 1))
    return AlphaParts(
        observed=observed,
        spread=sum((2 * lg**3 - 3 * lg**2 + lg) / 3 for lg in lengths),
        in_gaps=in_gaps,
        locations=m * length * (m * length - 1) - sum(lg * (lg - 1) for lg in lengths),
        units=len(lengths),
        length=length,
    )


def alpha_from(parts: AlphaParts) -> float | None:
    """Alpha_U from the sums of one text, or of many added together."""
    if parts.units == 0 or parts.length == 0 or parts.locations <= 0:
        return None
    observed = parts.observed / parts.length**2
    expected = ((parts.units - 1) * parts.spread + parts.in_gaps) * 2 / parts.length
    expected /= parts.locations
    if expected == 0:
        return 1.0 if observed == 0 else None
    return 1 - observed / expected


def alpha_u(units: Mapping[str, Iterable[tuple[int, int]]], length: int) -> float | None:
    """Krippendorff's alpha_U for one label over one continuum of `length` characters.

    `units` maps each annotator (at least two) to their units (start, end) of the label.
    """
    if len(units) < 2:
        return None
    return alpha_from(alpha_parts(units, length))


def pairs(annotators: Iterable[str]) -> list[tuple[str, str]]:
    """Every unordered pair of annotators, in name order."""
    return list(combinations(sorted(annotators), 2))
