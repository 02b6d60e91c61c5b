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

import gc
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

Span = tuple[int, int, str]  # start, end, label
Link = tuple[Span, Span, str]  # source span, target span, kind


@dataclass(frozen=True, slots=True)
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

    def as_list(self) -> list[int]:
        return [self.matched, self.reference, self.predicted]


def overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def matches(reference: Iterable[Span], predicted: Iterable[Span], rule: str) -> dict[Span, Span]:
    """One-to-one matches, reference span -> predicted span, under "exact" or "overlap"."""
    reference, predicted = sorted(set(reference)), sorted(set(predicted))
    if rule == "exact":
        found = set(predicted)
        return {span: span for span in reference if span in found}
    # Only spans that start within the longest span's length before another's end can overlap
    # it: with the predicted spans in start order, each reference span looks at a few.
    starts = [b[0] for b in predicted]
    longest = max((b[1] - b[0] for b in predicted), default=0)
    candidates = []
    for a in reference:
        for k in range(bisect_left(starts, a[0] - longest), bisect_left(starts, a[1])):
            b = predicted[k]
            if a[2] == b[2] and (shared := overlap(a, b)) > 0:
                candidates.append((-shared, a, b))
    candidates.sort()
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
    return links_agreed(matches(reference, predicted, rule), reference_links, predicted_links)


def links_agreed(
    paired: Mapping[Span, Span], reference_links: Iterable[Link], predicted_links: Iterable[Link]
) -> Scores:
    """link_scores, given the span matches already made."""
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
    """What alpha_U needs of one text for one label, in a form that adds up over the texts of
    a project: a project is measured as one continuum, its articles end to end, without
    reading any article again. The lengths of units and gaps are kept as counts per length."""

    observed: float  # squared disagreements summed over ordered pairs, / m(m - 1)
    annotators: int
    length: int
    units: dict[int, int] = field(default_factory=dict)  # unit length -> how many
    gaps: dict[int, int] = field(default_factory=dict)  # gap length -> how many

    def __add__(self, other: AlphaParts) -> AlphaParts:
        return combined([self, other])

    def as_json(self) -> list:
        return [self.observed, self.annotators, self.length,
                sorted(self.units.items()), sorted(self.gaps.items())]  # fmt: skip

    @classmethod
    def from_json(cls, data: list) -> AlphaParts:
        observed, annotators, length, units, gaps = data
        return cls(observed, annotators, length, dict(map(tuple, units)), dict(map(tuple, gaps)))


def combined(parts: Iterable[AlphaParts]) -> AlphaParts | None:
    """Many texts' parts as one (what adding them gives, counted in place: a project has
    thousands)."""
    observed, annotators, length = 0.0, 0, 0
    units: Counter[int] = Counter()
    gaps: Counter[int] = Counter()
    seen = False
    for part in parts:
        seen = True
        observed += part.observed
        annotators = max(annotators, part.annotators)
        length += part.length
        units.update(part.units)
        gaps.update(part.gaps)
    return AlphaParts(observed, annotators, length, dict(units), dict(gaps)) if seen else None


def _disagreement(a: list[tuple[int, int, bool]], b: list[tuple[int, int, bool]]) -> int:
    """Squared disagreements of coder a's segments against coder b's. Both partition the same
    continuum, so only segments sharing characters can disagree: one sweep finds them."""
    total, i, j, na, nb = 0, 0, 0, len(a), len(b)
    while i < na and j < nb:
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
    """The parts of one text; `units` maps each annotator to their units (start, end)."""
    coders = [_segments(spans, length) for spans in units.values()]
    m = len(coders)
    observed = 0.0
    if m >= 2:
        # the disagreement of g with h is that of h with g: each unordered pair counts twice
        observed = 2 * sum(_disagreement(a, b) for a, b in combinations(coders, 2)) / (m * (m - 1))
    return AlphaParts(
        observed=observed,
        annotators=m,
        length=length,
        units=dict(Counter(lg for segments in coders for (_, lg, unit) in segments if unit)),
        gaps=dict(Counter(lg for segments in coders for (_, lg, unit) in segments if not unit)),
    )


def alpha_from(parts: AlphaParts) -> float | None:
    """Alpha_U from the parts of one text, or of many added together."""
    n = sum(parts.units.values())
    m, length = parts.annotators, parts.length
    if n == 0 or length == 0 or m < 2:
        return None
    gap_lengths = sorted(parts.gaps)
    # over the gaps at least as long as l: how many, and their lengths summed (suffix sums)
    count_from, sum_from = [0] * (len(gap_lengths) + 1), [0] * (len(gap_lengths) + 1)
    for k in range(len(gap_lengths) - 1, -1, -1):
        lh, times = gap_lengths[k], parts.gaps[gap_lengths[k]]
        count_from[k] = count_from[k + 1] + times
        sum_from[k] = sum_from[k + 1] + lh * times
    spread = in_gaps = taken = 0.0
    for lg, times in parts.units.items():
        spread += times * (2 * lg**3 - 3 * lg**2 + lg) / 3
        k = bisect_left(gap_lengths, lg)
        in_gaps += times * lg**2 * (sum_from[k] - count_from[k] * (lg - 1))
        taken += times * lg * (lg - 1)
    locations = m * length * (m * length - 1) - taken
    observed = parts.observed / length**2
    expected = ((n - 1) * spread + in_gaps) * 2 / length / locations
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


RULES = ("exact", "overlap")


def measure(
    annotators: list[tuple[int, str]],
    length: int,
    rows: list[tuple],
    links: list[tuple],
    labels: Sequence[str],
) -> dict[str, Any]:
    """One text's results: per label (alpha_U's parts and value, exact and overlap match
    counts) and per pair of annotators (by name: exact, overlap, links). `rows` are
    (id, version, author id, start, end, label); `links` (source id, target id, kind)."""
    names = dict(annotators)
    spans: dict[str, list[Span]] = {name: [] for name in names.values()}
    span_of: dict[int, tuple[str, Span]] = {}
    for annotation, _version, author, start, end, label in rows:
        span = (start, end, label)
        spans[names[author]].append(span)
        span_of[annotation] = (names[author], span)
    linked: dict[str, list[Link]] = {name: [] for name in names.values()}
    for source, target, kind in links:
        if source in span_of and target in span_of and span_of[source][0] == span_of[target][0]:
            linked[span_of[source][0]].append((span_of[source][1], span_of[target][1], kind))
    by_label = {
        label: {name: [s for s in own if s[2] == label] for name, own in spans.items()}
        for label in labels
    }
    pair_totals = {pair: {rule: Scores(0, 0, 0) for rule in RULES} for pair in pairs(spans)}
    overlap_matches: dict[tuple[str, str], dict] = {pair: {} for pair in pair_totals}
    per_label: dict[str, Any] = {}
    for label, own in by_label.items():
        parts = alpha_parts(
            {name: [(s, e) for s, e, _ in mine] for name, mine in own.items()}, length
        )
        per_label[label] = {"alpha": alpha_from(parts), "parts": parts.as_json()}
        totals = {rule: Scores(0, 0, 0) for rule in RULES}
        for a, b in pair_totals:
            # Matches never cross labels, so the sums over labels are a pair's own; the exact
            # matches are the overlap candidates that coincide, counted from sets.
            paired = matches(own[a], own[b], "overlap")
            overlap_matches[a, b].update(paired)
            mine, theirs = set(own[a]), set(own[b])
            found = {
                "exact": Scores(len(mine & theirs), len(mine), len(theirs)),
                "overlap": Scores(len(paired), len(mine), len(theirs)),
            }
            for rule in RULES:
                totals[rule] += found[rule]
                pair_totals[a, b][rule] += found[rule]
        for rule in RULES:
            per_label[label][rule] = totals[rule].as_list()
    per_pair: dict[str, Any] = {}
    for (a, b), totals in pair_totals.items():
        agreed = links_agreed(overlap_matches[a, b], linked[a], linked[b])
        per_pair[f"{a}|{b}"] = {
            **{rule: totals[rule].as_list() for rule in RULES},
            "links": agreed.as_list(),
        }
    return {"labels": per_label, "pairs": per_pair}


def measure_many(texts: list[tuple]) -> list[dict[str, Any]]:
    """measure() of many texts: the unit of work handed to another process.

    The texts (a million spans) live throughout: frozen, the garbage collector stops scanning
    them again and again while the measures allocate (a tenth of the time)."""
    gc.freeze()
    try:
        return [measure(*text) for text in texts]
    finally:
        gc.unfreeze()
