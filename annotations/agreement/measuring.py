"""Agreement of a project's double-annotated articles, kept up to date article by article.

An article is measured once every annotator assigned to it (two or more) has marked it done.
Its results are stored (ArticleAgreement) with a fingerprint of what they were computed from:
the annotators, and the id and version of each of their annotations on the article (links and
evidence bump the version). Reading a project's agreement first refreshes the articles whose
fingerprint moved, and only those, then adds the stored results up: alpha_U from its per-text
sums (agreement.AlphaParts), precision, recall and F1 from match counts.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from typing import Any, NamedTuple

import orjson
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum, TextField
from django.db.models.functions import Cast, Length
from django.utils import timezone

from annotations.agreement import measures as agreement
from annotations.agreement.measures import AlphaParts, Scores
from annotations.choices import Anchor, AssignmentState, Label, Origin
from annotations.models import Annotation, AnnotationLink, Article, ArticleAgreement, Project

RULES = agreement.RULES


def _eligible(project: Project) -> dict[int, list[tuple[int, str]]]:
    """Articles every assigned annotator (two or more) has marked done: id -> annotators."""
    articles = (
        Article.objects.filter(project=project)
        .annotate(
            assigned=Count("assignments"),
            done=Count("assignments", filter=Q(assignments__state=AssignmentState.DONE)),
        )
        .filter(assigned__gte=2, done=F("assigned"))
        .values_list("pk", flat=True)
    )
    annotators: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for article_id, user_id, username in (
        project.articles.filter(pk__in=articles)
        .values_list("pk", "assignments__annotator_id", "assignments__annotator__username")
        .order_by("pk", "assignments__annotator__username")
    ):
        annotators[article_id].append((user_id, username))
    return annotators


def _measured(article_ids: list[int]) -> Any:
    """The annotations agreement compares: each assigned annotator's own, on the current text
    (a curator's adjudicated set is not a third annotator; nor is an unassigned passer-by)."""
    return Annotation.objects.filter(
        article_id__in=article_ids,
        anchor=Anchor.ANCHORED,
        origin=Origin.ANNOTATOR,
        author__assignments__article_id=F("article_id"),
    )


def _annotations(article_ids: list[int]) -> dict[int, list[tuple]]:
    rows: dict[int, list[tuple]] = defaultdict(list)
    query = (
        _measured(article_ids)
        .order_by("article_id", "id")
        .values_list("article_id", "id", "version", "author_id", "start", "end", "label")
    )
    for row in _raw(query):
        rows[row[0]].append(row[1:])
    return rows


def _raw(query: Any) -> list[tuple]:
    """A values_list query's rows straight from the cursor: the ORM's per-row work cost more
    than the query itself at a million rows."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _contents(article_ids: list[int]) -> dict[int, str]:
    """What each article's measured annotations are, in three numbers the database adds up
    (how many, their ids summed, their versions summed): any edit bumps a version, any
    addition or deletion moves the count and the ids, so a page view compares one short string
    per article instead of reading every annotation."""
    sums = (
        _measured(article_ids)
        .order_by()
        .values("article_id")
        .annotate(n=Count("pk"), ids=Sum("pk"), versions=Sum("version"))
        .values_list("article_id", "n", "ids", "versions")
    )
    return {article: f"{n}:{ids}:{versions}" for article, n, ids, versions in sums}


def _fingerprint(annotators: list[tuple[int, str]], contents: str) -> str:
    text = ",".join(str(user) for user, _ in annotators) + "|" + contents
    return hashlib.sha256(text.encode()).hexdigest()


def _all_pairs(results: dict[str, Any], rule: str) -> Scores:
    """An article's span matches under `rule`, every pair of its annotators together."""
    return sum((Scores(*pair[rule]) for pair in results["pairs"].values()), Scores(0, 0, 0))


def _score(results: dict[str, Any]) -> float | None:
    return _all_pairs(results, "overlap").f1


def refresh(project: Project) -> tuple[int, int]:
    """Recompute the articles whose annotations changed since they were measured; drop those
    no longer eligible. Returns (recomputed, kept)."""
    eligible = _eligible(project)
    contents = _contents(list(eligible))
    stored = dict(
        ArticleAgreement.objects.filter(project=project).values_list("article_id", "fingerprint")
    )
    ArticleAgreement.objects.filter(project=project).exclude(article_id__in=eligible).delete()
    changed = {
        article_id: fingerprint
        for article_id in eligible
        if stored.get(article_id)
        != (fingerprint := _fingerprint(eligible[article_id], contents.get(article_id, "")))
    }
    if not changed:
        return 0, len(eligible)
    rows = _annotations(list(changed))
    lengths = _lengths(list(changed))
    links: dict[int, list[tuple]] = defaultdict(list)
    for article_id, source, target, kind in AnnotationLink.objects.filter(
        source__article_id__in=list(changed)
    ).values_list("source__article_id", "source_id", "target_id", "kind"):
        links[article_id].append((source, target, kind))
    order = list(changed)
    texts = [
        (eligible[a], lengths[a], rows.get(a, []), links[a], tuple(Label.values)) for a in order
    ]
    measured = []
    for article_id, results in zip(order, _measure_all(texts), strict=True):
        fingerprint = changed[article_id]
        measured.append(
            ArticleAgreement(
                article_id=article_id,
                project=project,
                fingerprint=fingerprint,
                annotators=[name for _, name in eligible[article_id]],
                results=results,
                score=_score(results),
            )
        )
    _store(measured)
    return len(changed), len(eligible) - len(changed)


PARALLEL_FROM = 2000  # articles: below this, starting processes costs more than it saves


def _measure_all(texts: list[tuple]) -> list[dict[str, Any]]:
    """Measure the texts, on every core when there are many (a first computation, or after a
    bulk import): the measures are pure Python, CPU-bound, and the texts independent.
    Processes are spawned, not forked, so a threaded server process is safe to call this."""
    workers = min(os.cpu_count() or 1, 8)
    if len(texts) < PARALLEL_FROM or workers < 2:
        return agreement.measure_many(texts)
    size = -(-len(texts) // workers)
    chunks = [texts[k : k + size] for k in range(0, len(texts), size)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(chunks) - 1, mp_context=context) as pool:
        # This process measures the first share itself while the others measure the rest.
        others = [pool.submit(agreement.measure_many, chunk) for chunk in chunks[1:]]
        results = agreement.measure_many(chunks[0])
        for other in others:
            results.extend(other.result())
    return results


_STORED = ["fingerprint", "annotators", "results", "score", "computed_at"]


def _store(measured: list[ArticleAgreement]) -> None:
    """Insert or replace the results. On PostgreSQL through COPY into a temporary table: the
    ORM's bulk upsert quoted every JSON document in Python (5.8 s of 13 for 10,000 articles)."""
    if connection.vendor != "postgresql":
        ArticleAgreement.objects.bulk_create(
            measured, batch_size=500, update_conflicts=True, unique_fields=["article"],
            update_fields=_STORED,
        )  # fmt: skip
        return
    table = ArticleAgreement._meta.db_table
    columns = ["article_id", "project_id", *_STORED]
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # Dropped at commit; dropped first too, for a caller's transaction that refreshes twice.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.agreement_batch")
        cursor.execute(f"CREATE TEMP TABLE agreement_batch (LIKE {table}) ON COMMIT DROP")
        with cursor.copy(f"COPY agreement_batch ({', '.join(columns)}) FROM STDIN") as copy:
            for row in measured:
                copy.write_row(
                    (row.article_id, row.project_id, row.fingerprint,
                     orjson.dumps(row.annotators).decode(), orjson.dumps(row.results).decode(),
                     row.score, now)
                )  # fmt: skip
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in _STORED)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM agreement_batch "
            f"ON CONFLICT (article_id) DO UPDATE SET {updates}"
        )


def _lengths(article_ids: list[int]) -> dict[int, int]:
    """Each article's length in code points (the continuum alpha_U is measured over)."""
    return dict(
        Article.objects.filter(pk__in=article_ids).annotate(n=Length("body")).values_list("pk", "n")
    )


class Stored(NamedTuple):
    article_id: int
    title: str
    score: float | None
    annotators: list[str]
    results: dict[str, Any]


def _stored(project: Project, *order: Any) -> list[Stored]:
    """The project's stored results, their JSON read as text and parsed by orjson: Django's
    JSON field parses with the standard library, which took 1.7 s for 10,000 articles."""
    rows = (
        ArticleAgreement.objects.filter(project=project)
        .order_by(*order)
        .values_list(
            "article_id",
            "article__title",
            "score",
            Cast("annotators", TextField()),
            Cast("results", TextField()),
        )
    )
    gc.freeze()  # thousands of documents stay alive: keep the collector off them meanwhile
    try:
        return [
            Stored(article, title, score, orjson.loads(people), orjson.loads(results))
            for article, title, score, people, results in rows
        ]
    finally:
        gc.unfreeze()


def summary(project: Project, *, lowest: int = 20) -> dict[str, Any]:
    """The project's agreement: per label (alpha_U, F1 exact and overlap), per pair of
    annotators (F1 exact, overlap, links), and the articles that agree least.

    Adding up ten thousand articles' results takes seconds; the sum is kept in the cache under
    what it was made from (how many articles, when the latest was measured), so a page view
    after nothing changed costs the refresh's check alone."""
    refresh(project)
    state = ArticleAgreement.objects.filter(project=project).aggregate(
        n=Count("pk"), latest=Max("computed_at")
    )
    latest = state["latest"].timestamp() if state["latest"] else 0
    key = f"agreement:{project.pk}:{state['n']}:{latest}:{lowest}"
    found = cache.get(key)
    if found is None:
        found = _summed(project, lowest)
        cache.set(key, found, timeout=7 * 24 * 3600)
    return found


def _summed(project: Project, lowest: int) -> dict[str, Any]:
    rows = _stored(project)
    labels: dict[str, Any] = {}
    for label in Label.values:
        total = agreement.combined(
            AlphaParts.from_json(r.results["labels"][label]["parts"]) for r in rows
        )
        labels[label] = {
            "name": str(Label(label).label),
            "alpha": agreement.alpha_from(total) if total is not None else None,
            **{
                rule: _f1s(Scores(*r.results["labels"][label][rule]) for r in rows)
                for rule in RULES
            },
        }
    pairs: dict[str, dict[str, Any]] = {}
    for r in rows:
        for key, pair in r.results["pairs"].items():
            into = pairs.setdefault(key, {k: Scores(0, 0, 0) for k in (*RULES, "links")})
            for k in into:
                into[k] += Scores(*pair[k])
    ordered = sorted(rows, key=lambda r: (r.score is None, r.score if r.score is not None else 0))
    return {
        "articles": len(rows),
        "labels": labels,
        "pairs": {
            key: {k: _scores(v) for k, v in value.items()} for key, value in sorted(pairs.items())
        },
        "lowest": [
            {
                "article": r.article_id,
                "title": r.title,
                "f1": r.score,
                "annotators": r.annotators,
            }
            for r in ordered[:lowest]
        ],
    }


def _scores(scores: Scores) -> dict[str, Any]:
    return {
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
        "matched": scores.matched,
        "spans": scores.reference + scores.predicted,
    }


def _f1s(scores) -> dict[str, Any]:
    return _scores(sum(scores, Scores(0, 0, 0)))


CSV_HEADER = ["article", "title", "annotators", "f1_overlap", "f1_exact"] + [
    f"alpha_{label}" for label in Label.values
]


def csv_rows(project: Project) -> list[list[Any]]:
    """One row per measured article, lowest agreement first: for a spreadsheet."""
    refresh(project)
    rows = [CSV_HEADER]
    for r in _stored(project, F("score").asc(nulls_first=True), "article_id"):
        exact = _all_pairs(r.results, "exact").f1
        alphas = [r.results["labels"][label]["alpha"] for label in Label.values]
        rows.append([r.article_id, r.title, " ".join(r.annotators), r.score, exact,
                     *alphas])  # fmt: skip
    return rows
