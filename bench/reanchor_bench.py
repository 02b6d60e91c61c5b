"""Re-anchoring benchmark: correction pairs with known answers, and the time for 1,000 spans.

Usage: python bench/reanchor_bench.py   (make bench-reanchor)

Texts: the demo articles and, when ../shared is there, the shared corpus. Each text is split
into sentences; spans are whole sentences and three-word phrases inside them. Each kind of
correction is applied at several places (seeded, so every run is the same), and since the edits
are made sentence by sentence, where every span should land is known:
- "exact": its words are unchanged, at a known place: it should be mapped or found there;
- "changed": its words were edited (a typo fixed, a name corrected): at most proposed;
- "gone": its words were removed: orphaned, or at most proposed.
A span accepted anywhere else than its known place is **mis-anchored**: the target is none.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

import django  # noqa: E402

django.setup()

from annotations import anchoring  # noqa: E402
from annotations.demo import ARTICLES  # noqa: E402
from annotations.revisions.reanchoring import Span, reanchor  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
NAMES = ["Ana Lindqvist", "Omar Haddad", "Li Wei", "Grace Okafor", "Søren Dahl"]
FILLER = [
    "The statement was published on the ministry's website.",
    "A spokesperson declined to comment further.",
    "Figures for the previous year were not released.",
]


def texts() -> list[str]:
    found = [anchoring.normalise_body(a["body"]) for a in ARTICLES]
    if SHARED.is_dir():
        for path in sorted(SHARED.glob("*.txt")):
            found.append(anchoring.normalise_body(path.read_text(encoding="utf-8")))
        for line in (SHARED / "articles.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(anchoring.normalise_body(json.loads(line)["body"]))
    return found


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?”])\s+", text.replace("\n", " ")) if len(s) > 20]


@dataclass
class Case:
    kind: str
    old: list[str]
    new: list[str]
    # For each old sentence index: its new index, or None when removed.
    moved: dict[int, int | None]
    # Old sentence -> (start, end) of its edited stretch, and how much longer the edit made it.
    changed: dict[int, tuple[int, int, int]]


def join(parts: list[str]) -> str:
    return " ".join(parts)


def cases(parts: list[str], rng: random.Random) -> list[Case]:
    n = len(parts)
    same = {i: i for i in range(n)}
    made = []
    for k in rng.sample(range(n), min(3, n)):
        words = list(re.finditer(r"\w{4,}", parts[k]))
        if words:  # a typo fixed: one letter of one word
            word = rng.choice(words)
            at = word.start() + 1
            typo = parts[k][:at] + ("x" if parts[k][at] != "x" else "y") + parts[k][at + 1 :]
            made.append(
                Case(
                    "typo fixed",
                    [*parts[:k], typo, *parts[k + 1 :]],
                    parts,
                    same,
                    {k: (at, at + 1, 0)},
                )
            )
        names = list(re.finditer(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", parts[k]))
        if names:  # a name corrected
            name = rng.choice(names)
            other_name = rng.choice(NAMES)
            fixed = parts[k][: name.start()] + other_name + parts[k][name.end() :]
            grew = len(other_name) - (name.end() - name.start())
            made.append(
                Case(
                    "name corrected",
                    parts,
                    [*parts[:k], fixed, *parts[k + 1 :]],
                    same,
                    {k: (name.start(), name.end(), grew)},
                )
            )
        inserted = [*parts[:k], rng.choice(FILLER), *parts[k:]]
        made.append(
            Case("sentence inserted", parts, inserted, {i: i + (i >= k) for i in range(n)}, {})
        )
        removed = [*parts[:k], *parts[k + 1 :]]
        gone = {i: (None if i == k else i - (i > k)) for i in range(n)}
        made.append(Case("sentence removed", parts, removed, gone, {}))
        other = [p for p in parts if p != parts[k]] or FILLER
        rephrased = [*parts[:k], "In other words, " + rng.choice(other)[::-1], *parts[k + 1 :]]
        made.append(Case("sentence rephrased", parts, rephrased, same, {k: (0, len(parts[k]), 0)}))
        if k + 1 < n:
            swapped = list(parts)
            swapped[k], swapped[k + 1] = swapped[k + 1], swapped[k]
            order = {**same, k: k + 1, k + 1: k}
            made.append(Case("sentences reordered", parts, swapped, order, {}))
        # A sentence that appeared twice; the second copy is deleted.
        doubled = [*parts[: k + 1], parts[k], *parts[k + 1 :]]
        kept = {i: (i if i <= k else (None if i == k + 1 else i - 1)) for i in range(n + 1)}
        made.append(Case("repeated sentence, one copy deleted", doubled, parts, kept, {}))
    rewritten = [p if i % 5 == 0 else "Rewritten: " + p[::-1] for i, p in enumerate(parts)]
    made.append(
        Case(
            "heavy rewrite",
            parts,
            rewritten,
            same,
            {i: (0, len(p), 0) for i, p in enumerate(parts) if i % 5},
        )
    )
    return made


def spans_of(parts: list[str]) -> list[tuple[int, int, int]]:
    """(sentence, start in sentence, end in sentence): each sentence, and a phrase inside."""
    found = []
    for i, part in enumerate(parts):
        found.append((i, 0, len(part)))
        words = list(re.finditer(r"\S+", part))
        if len(words) >= 7:
            middle = len(words) // 2
            found.append((i, words[middle - 1].start(), words[middle + 1].end()))
    return found


def offsets(parts: list[str]) -> list[int]:
    starts, at = [], 0
    for part in parts:
        starts.append(at)
        at += len(part) + 1
    return starts


def score(case: Case, tally: dict[str, int]) -> None:
    old, new = join(case.old), join(case.new)
    old_at, new_at = offsets(case.old), offsets(case.new)
    wanted = spans_of(case.old)
    spans = []
    for i, a, b in wanted:
        s = anchoring.span_at(old, old_at[i] + a, old_at[i] + b)
        spans.append(Span(s.start, s.end, s.quote, s.prefix, s.suffix))
    for (i, a, b), outcome in zip(wanted, reanchor(old, new, spans), strict=True):
        target = case.moved.get(i)
        edit = case.changed.get(i)
        touched = edit is not None and edit[0] < b and a < edit[1]
        if target is None:
            truth = "gone"
        elif touched:
            truth = "changed"
        else:
            truth = "exact"
        accepted = outcome.kind in ("mapped", "found")
        if truth == "exact":
            tally["recoverable"] += 1
            shift = edit[2] if edit is not None and edit[1] <= a else 0  # after the edit
            place = (new_at[target] + a + shift, new_at[target] + b + shift)
            if accepted and (outcome.span.start, outcome.span.end) == place:
                tally["re-anchored"] += 1
            elif accepted:
                tally["mis-anchored"] += 1
                print(f"  mis-anchored ({case.kind}): {outcome.span.quote[:60]!r}")
            elif outcome.kind == "proposed":
                tally["proposed"] += 1
            else:
                tally["orphaned"] += 1
        else:
            tally["unrecoverable"] += 1
            if accepted:
                tally["mis-anchored"] += 1
                print(f"  mis-anchored ({case.kind}, {truth}): {outcome.span.quote[:60]!r}")
            elif outcome.kind == "proposed":
                tally["proposed (of changed or gone)"] += 1
            else:
                tally["orphaned (of changed or gone)"] += 1


def timing() -> float:
    """Seconds to re-anchor 1,000 spans on a 20,000-character article after a correction."""
    corpus = [s for text in texts() for s in sentences(text)]
    parts, size = [], 0
    while size < 20_000:
        sentence = corpus[len(parts) % len(corpus)] + f" ({len(parts)})"
        parts.append(sentence)
        size += len(sentence) + 1
    old = join(parts)
    spans = []
    for n in range(1_000):
        start = (n * 19) % (len(old) - 60)
        s = anchoring.span_at(old, start, start + 20 + n % 40)
        spans.append(Span(s.start, s.end, s.quote, s.prefix, s.suffix))
    middle = parts[len(parts) // 2]
    new = join([*parts[:10], FILLER[0], *parts[10:]]).replace(middle, middle.upper())
    started = time.perf_counter()
    reanchor(old, new, spans)
    return time.perf_counter() - started


def main() -> None:
    rng = random.Random(20261130)
    tally: dict[str, int] = dict.fromkeys(
        [
            "recoverable",
            "re-anchored",
            "proposed",
            "orphaned",
            "mis-anchored",
            "unrecoverable",
            "proposed (of changed or gone)",
            "orphaned (of changed or gone)",
        ],
        0,
    )
    corpus = texts()
    total_cases = 0
    for text in corpus:
        for case in cases(sentences(text), rng):
            score(case, tally)
            total_cases += 1
    print(f"{len(corpus)} texts, {total_cases} correction pairs")
    for name, value in tally.items():
        print(f"  {name:<32} {value:6d}")
    share = tally["re-anchored"] / max(1, tally["recoverable"])
    print(f"re-anchored without a person: {share:.1%} of recoverable spans (target 95%)")
    print(f"mis-anchored: {tally['mis-anchored']} (target 0)")
    seconds = timing()
    print(f"1,000 spans on a 20,000-character article: {seconds:.2f} s (target < 1 s)")
    if tally["mis-anchored"] or share < 0.95 or seconds >= 1:
        sys.exit("re-anchoring missed a target")


if __name__ == "__main__":
    main()
