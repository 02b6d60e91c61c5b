"""The editor in a real browser at 5,000 annotations on a 100,000-character article.

Usage: python bench/editor_bench.py   (BENCH_DATABASE_URL as for export_bench.py; Debian's
Chromium). Adds (once) an article of ~100,000 characters with 5,000 annotations to the
benchmark database, serves it with `make serve`, and reads from Chromium's performance
timeline, over three loads: first contentful paint (the text), when the annotations are
painted (the editor's "annotations-painted" mark), and how long the repaint takes after adding
an annotation (its "repaint" measures: the optimistic one and the one after the save).
"""

from __future__ import annotations

import os
import statistics
import sys

import server

os.environ["SECRET_KEY"] = server.SECRET_KEY  # the session signed here is the server's

import on_bench_database  # noqa: F401  (Django on the benchmark database)
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from playwright.sync_api import sync_playwright

from annotations.models import Article, Project
from annotations.spans import anchoring

TITLE = "Editor benchmark: 5,000 annotations"
SPANS = 5000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def ensure_article() -> Article:
    existing = Article.objects.filter(title=TITLE).first()
    if existing is not None and existing.annotations.count() == SPANS:
        return existing
    if existing is not None:
        existing.delete()
    words = ["minister", "budget", "harbour", "rose", "fell", "percent", "officials", "said"]
    sentences = [
        f"Sentence {n}: the {words[n % 8]} {words[(n * 3) % 8]} by {n % 97} per cent, "
        f"{words[(n * 5) % 8]} told reporters in Tromsø."
        for n in range(1400)
    ]
    body = anchoring.normalise_body("\n".join(sentences))[:100_000]
    article = Article.objects.create(
        project=Project.objects.order_by("pk").first(),
        title=TITLE,
        body=body,
        body_hash=anchoring.body_hash(body),
    )
    with connection.cursor() as cursor:
        # 5,000 spans of 12-40 characters spread over the text, some overlapping.
        cursor.execute(
            """
            INSERT INTO annotations_annotation (project_id, article_id, author_id, label, start,
                "end", quote, prefix, suffix, note, status, review_note, created_at, updated_at,
                version, anchor, revision, submitted_at)
            SELECT %(project)s, %(article)s, u.id,
                   (ARRAY['claim', 'denial', 'attribution'])[1 + g %% 3],
                   s, s + 12 + g %% 29, substr(%(body)s, s + 1, 12 + g %% 29), '', '', '',
                   CASE WHEN g %% 4 = 0 THEN 'draft' ELSE 'submitted' END, '', now(), now(), 1,
                   'anchored', 1, now()
            FROM generate_series(0, %(spans)s - 1) g,
                 LATERAL (SELECT (g * 19) %% (length(%(body)s) - 60) AS s) o,
                 auth_user u WHERE u.username = 'bench2'
            """,
            {"project": article.project_id, "article": article.pk, "body": body, "spans": SPANS},
        )
    return article


def main() -> None:
    article = ensure_article()
    user = get_user_model().objects.get(username="bench2")
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    port = server.free_port()
    process = server.start(os.environ["DATABASE_URL"], port)
    loads, repaints = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            # bypass_csp: Playwright evaluates its probes as strings; the app runs as served.
            context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
            context.add_cookies(
                [{"name": "sessionid", "value": session, "url": f"http://127.0.0.1:{port}"}]
            )
            page = context.new_page()
            page.on("pageerror", lambda error: print("page error:", error))
            for _ in range(3):
                page.goto(f"http://127.0.0.1:{port}/articles/{article.pk}/")
                page.wait_for_selector("body.js-ready", timeout=60_000)
                loads.append(
                    page.evaluate(
                        """() => {
                          const at = (name) => performance.getEntriesByName(name)[0].startTime;
                          return {
                            fcp: at("first-contentful-paint"),
                            annotations: at("annotations-painted"),
                            marks: document.querySelectorAll("#article-body mark").length,
                          };
                        }"""
                    )
                )
                before = page.evaluate("performance.getEntriesByName('repaint').length")
                page.evaluate(
                    """() => {
                      const body = document.getElementById("article-body");
                      const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
                      let node; while ((node = walker.nextNode())) if (node.data.length > 30) break;
                      const range = document.createRange();
                      range.setStart(node, 2); range.setEnd(node, 20);
                      getSelection().removeAllRanges(); getSelection().addRange(range);
                    }"""
                )
                page.wait_for_selector("#toolbar:not([hidden])")
                page.keyboard.press("1")
                # Saved: the card shows the new annotation with its version from the server.
                page.wait_for_function(
                    "() => !document.getElementById('card').hidden"
                    " && /version/.test(document.getElementById('card').textContent)",
                    timeout=30_000,
                )
                repaints.append(
                    page.evaluate(
                        f"performance.getEntriesByName('repaint').slice({before})"
                        ".map((m) => m.duration)"
                    )
                )

            browser.close()
    finally:
        server.stop(process)
    print(f"{article.body.__len__():,} characters, {SPANS:,} annotations; Chromium, 1366x768")
    for n, (load, repaint) in enumerate(zip(loads, repaints, strict=True), 1):
        print(
            f"load {n}: first paint {load['fcp']:.0f} ms, annotations painted "
            f"{load['annotations']:.0f} ms ({load['marks']:,} marks); adding one: repaints "
            + ", ".join(f"{ms:.0f} ms" for ms in repaint)
        )
    print(
        f"median: first paint {statistics.median(x['fcp'] for x in loads):.0f} ms, "
        f"annotations {statistics.median(x['annotations'] for x in loads):.0f} ms, "
        f"repaint {statistics.median(max(r) for r in repaints):.0f} ms (slowest of each add)"
    )


if __name__ == "__main__":
    sys.exit(main())
