"""Search at a million annotations: the database's answer (matches counted, first page fetched,
ranked), for the words a desk types, against the benchmark database (make bench fills it).

Usage: python bench/search_bench.py   (BENCH_DATABASE_URL as for export_bench.py)
Prints, per search, the number of matches and the median wall time over five runs of
count + first page, as the review queue, the article list and the API do.
"""

from __future__ import annotations

import statistics
import time

import on_bench_database  # noqa: F401  (Django on the benchmark database)
from django.contrib.auth import get_user_model

from annotations.models import Annotation, Article
from annotations.search import searching

SEARCHES = [
    ("a reference (29 annotations)", "ref 4242"),
    ("a word in 1% of annotations", "harbour"),
    ("a phrase and a word", '"officials denied" tax'),
    ("an evidence title", "source 4242"),
    ("a word and an exclusion", "harbour -again"),
    ("a word in 14% of annotations", "again"),
    ("a word in 44% of annotations", "minister"),
]


def timed(run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(5):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    users = get_user_model().objects
    member = users.get(username="bench2")  # annotator in all 100 projects
    print(f"{Annotation.objects.count():,} annotations, {Article.objects.count():,} articles")
    print(f"{'search':<34} {'who':<18} {'matches':>8} {'queue':>8} {'API':>8}")
    for name, words in SEARCHES:
        for who, user in [("superuser", None), ("member of 100", member)]:
            rows = Annotation.objects.all() if user is None else Annotation.objects.visible_to(user)
            found = rows.search(words)

            def queue(found=found):
                waiting = searching.few_first(found.filter(status="submitted"))
                return waiting.count(), list(waiting.order_by("submitted_at", "id")[:50])

            def api(found=found):
                ordered = searching.by_rank(found, "-updated_at", "-id")
                return ordered.count(), list(ordered[:50])

            queue_ms, _ = timed(queue)
            api_ms, (count, _) = timed(api)
            print(f"{name:<34} {who:<18} {count:>8,} {queue_ms:>6.0f}ms {api_ms:>6.0f}ms")
    print(f"\n{'article search':<34} {'matches':>8} {'ranked page with snippets':>26}")
    for words in ["harbour", "ref42", "minister tax"]:
        found = Article.objects.search(words).with_snippets(words)

        def page(found=found):
            ordered = searching.by_rank(found, "-created_at", "-id")
            return ordered.count(), list(ordered[:25])

        ms, (count, _) = timed(page)
        print(f"{words:<34} {count:>8,} {ms:>24.0f}ms")


if __name__ == "__main__":
    main()
