"""Full-text search, one rule for the article list, the review queue and the API.

On PostgreSQL the words are read as web-search syntax (`"a phrase"`, `or`, `-word`) and each
word also matches as a prefix ("missile" finds "missiles"). The text-search configuration is
the language-neutral `simple`: desks work in many languages, and an English stemmer would
mangle the rest. Matches are ranked (title above publisher above body; quote above note) and
shown with highlighted snippets.

What is searched is a stored, generated `search_document` column on articles, annotations and
evidence, GIN-indexed (migration 0020 holds the expressions). The models do
not declare it: PostgreSQL computes it on every write, whichever path writes, and nothing
reads it but these queries; SQLite has no such column. Stored rather than computed per query
because ranking and rechecking would otherwise rebuild every matching row's vector.

An article body is indexed up to its first `BODY_INDEXED` characters: PostgreSQL's tsvector
holds at most 1 MB, and a 2-million-character body of distinct words would exceed it and be
refused on save. News articles are far shorter; a longer one is still found by its title,
publisher and the first part of its text.

SQLite (the zero-setup `make run`) has no such search: there every word must occur,
case-insensitively, somewhere in the same fields, results keep their usual order and the
snippet is cut around the first word found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQueryField,
    SearchRank,
    SearchVectorField,
)
from django.db import connections
from django.db.models import BooleanField, Expression, F, Func, Q, QuerySet, Subquery, Value
from django.db.models.functions import Left, NullIf
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CONFIG = "simple"
BODY_INDEXED = 200_000
# ts_headline marks matches with these; they cannot occur in stored text (inputs refuse C0
# controls), so the snippet is escaped first and only then are they turned into <mark>.
_START, _STOP = "\x02", "\x03"
SNIPPET_WORDS = 30


class StoredDocument(Expression):
    """The row's generated `search_document` column, which the models do not declare."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.search_document", []


class WebSearchQuery(Func):
    """websearch_to_tsquery with every lexeme turned into a prefix match (`'word':*`), limited
    to the given weights if any (`'word':*A`: in an article's title only)."""

    template = (
        "to_tsquery(%(config)s, regexp_replace("
        "websearch_to_tsquery(%(config)s, %(expressions)s)::text, '''(\\s|$)', "
        "''':*%(weights)s\\1', 'g'))"
    )
    output_field = SearchQueryField()

    def __init__(self, words: str, weights: str = "") -> None:
        if not set(weights) <= set("ABCD"):
            raise ValueError(weights)
        self.weights = weights
        super().__init__(Value(words))

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, config=f"'{CONFIG}'::regconfig", weights=self.weights, **extra
        )


class Matches(Func):
    """`document @@ query`, written out so that the planner sees the indexed expression."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def is_full_text(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def has_words(words: str) -> bool:
    """Whether a search has anything to look for (web-search syntax alone finds nothing)."""
    return bool(re.search(r"\w", words))


@dataclass(frozen=True)
class Fields:
    """What a model is searched on without full-text search, and where its snippet comes from."""

    plain: tuple[str, ...]
    snippet_from: tuple[str, ...]  # joined by SEPARATOR where there are several


SEPARATOR = " · "
ARTICLE = Fields(("title", "publisher", "body"), ("body",))
ANNOTATION = Fields(("quote", "note"), ("quote", "note"))
EVIDENCE = Fields(("title", "url"), ("title",))


class AmongIds(Func):
    """`pk = ANY(ARRAY(subquery))`: unlike `IN (subquery)`, PostgreSQL can OR it with the
    full-text index (a BitmapOr) instead of reading every row."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()


def matching(
    queryset: QuerySet, words: str, fields: Fields, also: dict[str, QuerySet] | None = None
) -> QuerySet:
    """Rows whose document matches `words`, or whose `field` is among the ids of an `also`
    query (e.g. annotations citing matching evidence), with a `search_rank` on PostgreSQL."""
    if not has_words(words):
        return queryset.none()
    also = also or {}
    if not is_full_text(queryset):
        found = _plain(words, fields)
        for field, ids in also.items():
            found |= Q(**{f"{field}__in": ids})
        return queryset.filter(found)
    query = WebSearchQuery(words)
    found = Q(Matches(StoredDocument(), query))
    for field, ids in also.items():
        found |= Q(AmongIds(F(field), Subquery(ids)))
    return queryset.filter(found).annotate(search_rank=SearchRank(StoredDocument(), query))


def in_titles(queryset: QuerySet, words: str) -> QuerySet:
    """Articles whose title matches: the title is the article document's weight A."""
    if not is_full_text(queryset):
        return queryset.filter(_plain(words, Fields(("title",), ()))).order_by()
    query = WebSearchQuery(words, weights="A")
    return queryset.filter(Matches(StoredDocument(), query)).order_by()


RANKED_AT_MOST = 1000


def by_rank(queryset: QuerySet, *then: str) -> QuerySet:
    """Best matches first, then the given order; or, when more than `RANKED_AT_MOST` rows
    match, the given order alone.

    Why: ranking reads every match (440,000 rows for a common word: 1.4 s at a million
    annotations), while the newest 50 of many matches come from an index in milliseconds. And
    the planner misjudges how many rows a prefix query matches: for a rare word it would walk
    a whole ordering index looking for them (0.3-0.7 s). So the matches are first fetched
    unordered, up to the limit, through the full-text index; a few are pinned by id (and
    ranked), many are left to the ordering index.
    """
    pinned = few_first(queryset)
    if pinned is queryset:
        return queryset.order_by(*then)
    return pinned.order_by("-search_rank", *then)


def few_first(queryset: QuerySet) -> QuerySet:
    """For a list kept in its own order (the review queue, admin): pin a few matches by id so
    that the planner does not walk an ordering index looking for them (see `by_rank`). Returns
    the queryset itself when it is no search or when many rows match."""
    if "search_rank" not in queryset.query.annotations:
        return queryset
    ids = list(queryset.order_by().values_list("pk", flat=True)[: RANKED_AT_MOST + 1])
    return queryset if len(ids) > RANKED_AT_MOST else queryset.filter(pk__in=ids)


def _plain(words: str, fields: Fields) -> Q:
    """Every word (quotes, `or` and `-` ignored) in one of the fields, case-insensitively."""
    condition = Q()
    for word in words.split():
        word = word.strip('"-')
        if word and word.lower() != "or":
            anywhere = Q()
            for name in fields.plain:
                anywhere |= Q(**{f"{name}__icontains": word})
            condition &= anywhere
    return condition


def document_matches(queryset: QuerySet, words: str, fields: Fields) -> QuerySet:
    """The rows matching on their own document only, unranked: for subqueries."""
    if not is_full_text(queryset):
        return queryset.filter(_plain(words, fields)).order_by()
    return queryset.filter(Matches(StoredDocument(), WebSearchQuery(words))).order_by()


def with_snippets(queryset: QuerySet, words: str, fields: Fields) -> QuerySet:
    """Add `search_snippet`: the best passage of the row's text, matches between markers."""
    if not is_full_text(queryset) or not has_words(words):
        return queryset
    return queryset.annotate(
        search_snippet=SearchHeadline(
            Func(
                Value(SEPARATOR),
                *(NullIf(Left(f, BODY_INDEXED), Value("")) for f in fields.snippet_from),
                function="concat_ws",
            ),
            WebSearchQuery(words),
            config=Value(CONFIG),
            start_sel=_START,
            stop_sel=_STOP,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
    )


def snippet(row: object, words: str, fields: Fields) -> str:
    """The row's snippet with matches between markers (see `marked`); built in Python when
    the database made none (SQLite)."""
    made = getattr(row, "search_snippet", None)
    if made is not None:
        return made
    text = SEPARATOR.join(filter(None, (getattr(row, f) for f in fields.snippet_from)))
    found = [w.strip('"-') for w in words.split() if w.strip('"-')]
    lower = text.lower()
    at = min((i for w in found if (i := lower.find(w.lower())) >= 0), default=0)
    start = max(0, at - 80)
    passage = text[start : start + 240]
    for word in found:
        passage = re.sub(
            re.escape(word), lambda m: f"{_START}{m.group(0)}{_STOP}", passage, flags=re.I
        )
    return ("…" if start else "") + passage + ("…" if start + 240 < len(text) else "")


def marked(snippet_text: str) -> SafeString:
    """HTML for a snippet: the text escaped, the matches in <mark>."""
    html = escape(snippet_text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # escaped above: only our own tags are markup
