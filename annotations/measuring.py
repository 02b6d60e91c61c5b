"""Agreement of a project's double-annotated articles, kept up to date article by article.

An article is measured once every annotator assigned to it (two or more) has marked it done.
Its results are stored (ArticleAgreement) with a fingerprint of what they were computed from:
the annotators, and the id and version of each of their annotations on the article (links and
evidence bump the version). Reading a project's agreement first refreshes the articles whose
fingerprint moved, and only those, then adds the stored results up: alpha_U from its per-text
sums (agreement.AlphaParts), precision, recall and F1 from match counts.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Length
from django.utils import timezone

from annotations import agreement
from annotations.agreement import AlphaParts, Scores
from annotations.choices import Anchor, AssignmentState, Label, Origin
from annotations.models import Annotation, AnnotationLink, Article, ArticleAgreement, Project

RULES = ("exact", "overlap")


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
    """A digest of each article's measured annotations (id, version, author), by the database
    on PostgreSQL: a page view then reads one short string per article, not every row."""
    query = _measured(article_ids).values_list("article_id", "id", "version", "author_id")
    if connection.vendor != "postgresql":
        digests: dict[int, str] = {}
        for article_id, rows in _annotations(article_ids).items():
            text = ",".join(f"{pk}:{version}:{author}" for pk, version, author, *_ in rows)
            digests[article_id] = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
        return digests
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT article_id, md5(string_agg(id || ':' || version || ':' || author_id, ',' "
            f"ORDER BY id)) FROM ({sql}) AS measured (article_id, id, version, author_id) "
            "GROUP BY article_id",
            params,
        )
        return dict(cursor.fetchall())


def _fingerprint(annotators: list[tuple[int, str]], contents: str) -> str:
    text = ",".join(str(user) for user, _ in annotators) + "|" + contents
    return hashlib.sha256(text.encode()).hexdigest()


def measure(
    annotators: list[tuple[int, str]], length: int, rows: list[tuple], links: list[tuple]
) -> dict[str, Any]:
    """The article's results: per label and per pair of annotators (by username)."""
    names = dict(annotators)
    spans: dict[str, list[agreement.Span]] = {name: [] for name in names.values()}
    span_of: dict[int, tuple[str, agreement.Span]] = {}
    for annotation, _version, author, start, end, label in rows:
        span = (start, end, label)
        spans[names[author]].append(span)
        span_of[annotation] = (names[author], span)
    linked: dict[str, list[agreement.Link]] = {name: [] for name in names.values()}
    for source, target, kind in links:
        if source in span_of and target in span_of and span_of[source][0] == span_of[target][0]:
            linked[span_of[source][0]].append((span_of[source][1], span_of[target][1], kind))
    by_label = {
        label: {name: [s for s in own if s[2] == label] for name, own in spans.items()}
        for label in Label.values
    }
    pair_totals = {
        pair: {rule: Scores(0, 0, 0) for rule in RULES} for pair in agreement.pairs(spans)
    }
    overlap_matches: dict[tuple[str, str], dict] = {pair: {} for pair in pair_totals}
    labels: dict[str, Any] = {}
    for label, own in by_label.items():
        parts = agreement.alpha_parts(
            {name: [(s, e) for s, e, _ in mine] for name, mine in own.items()}, length
        )
        labels[label] = {"alpha": agreement.alpha_from(parts), "parts": parts.as_json()}
        totals = {rule: Scores(0, 0, 0) for rule in RULES}
        for a, b in pair_totals:
            # Matches never cross labels, so the sums over labels are a pair's own; the exact
            # matches are the overlap candidates that coincide, counted from sets.
            paired = agreement.matches(own[a], own[b], "overlap")
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
            labels[label][rule] = totals[rule].as_list()
    pairs: dict[str, Any] = {}
    for (a, b), totals in pair_totals.items():
        links = agreement.links_agreed(overlap_matches[a, b], linked[a], linked[b])
        pairs[f"{a}|{b}"] = {
            **{rule: totals[rule].as_list() for rule in RULES},
            "links": links.as_list(),
        }
    return {"labels": labels, "pairs": pairs}


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
    measured = []
    for article_id, fingerprint in changed.items():
        results = measure(
            eligible[article_id], lengths[article_id], rows.get(article_id, []), links[article_id]
        )
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


def summary(project: Project, *, lowest: int = 20) -> dict[str, Any]:
    """The project's agreement: per label (alpha_U, F1 exact and overlap), per pair of
    annotators (F1 exact, overlap, links), and the articles that agree least."""
    refresh(project)
    rows = list(
        ArticleAgreement.objects.filter(project=project)
        .select_related("article")
        .only("article__title", "results", "score", "annotators", "project")
    )
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
                "title": r.article.title,
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
    for r in (
        ArticleAgreement.objects.filter(project=project)
        .select_related("article")
        .only("article__title", "results", "score", "annotators", "project")
        .order_by(F("score").asc(nulls_first=True), "article_id")
    ):
        exact = _all_pairs(r.results, "exact").f1
        alphas = [r.results["labels"][label]["alpha"] for label in Label.values]
        rows.append([r.article_id, r.article.title, " ".join(r.annotators), r.score, exact,
                     *alphas])  # fmt: skip
    return rows
