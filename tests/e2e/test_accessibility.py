"""Browser: axe-core finds no serious or critical accessibility violation on the app's pages."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from annotations import demo
from annotations.models import Annotation, Article, Project, Verdict
from tests.e2e.helpers import logged_in
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
RUN = """async () => {
  const { violations } = await axe.run(document, { resultTypes: ["violations"] });
  const where = (v) => v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ");
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${where(v)}`);
}"""


def violations(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=AXE)  # the context bypasses the app's CSP for this test asset
    return page.evaluate(RUN)


def test_every_page_of_the_app_has_no_serious_accessibility_violation(
    browser: Browser, live_server, settings
):
    settings.DEBUG = True  # load_demo refuses otherwise
    logins = demo.load()
    article = Article.objects.get(revision=2)
    submitted = Annotation.objects.filter(status="submitted").first()
    project = Project.objects.get(slug="newsroom")
    verdict = Verdict.objects.get(status="published")
    pending = Article.objects.filter(project__blind=True, adjudication__isnull=True).get()
    pages = {
        "annotator1": [
            "/",
            "/?search=minister",
            "/work/",
            f"/articles/{article.pk}/",
            "/projects/newsroom/guidelines/",
            f"/articles/{article.pk}/revisions/",
            "/articles/from-url/",
            f"/verdicts/{verdict.pk}/",
        ],
        "reviewer1": [
            "/export/",
            "/admin/annotations/reviewqueue/",
            f"/admin/annotations/reviewqueue/{submitted.pk}/change/",
            "/admin/annotations/reviewqueue/?q=minister",
            "/admin/",
            "/admin/annotations/annotation/",
            f"/admin/annotations/annotation/{submitted.pk}/change/",
            "/admin/annotations/article/",
            "/api/docs/",
            f"/articles/{pending.pk}/adjudicate/",
            f"/admin/annotations/verdict/{verdict.pk}/change/",
            "/admin/annotations/fetch/",
            "/admin/annotations/feed/",
        ],
        "manager1": [
            "/admin/annotations/project/",
            f"/admin/annotations/project/{project.pk}/change/",
            f"/admin/annotations/project/{project.pk}/progress/",
            f"/admin/annotations/project/{Project.objects.get(blind=True).pk}/agreement/",
            "/admin/annotations/assignment/",
            "/admin/annotations/membership/",
        ],
    }
    found = {}
    for username, urls in pages.items():
        context, page = logged_in(
            browser,
            live_server.url,
            username,
            logins[username],
            bypass_csp=True,
            viewport={"width": 1366, "height": 768},
        )
        for url in urls:
            problems = violations(page, f"{live_server.url}{url}")
            if problems:
                found[url] = problems
        context.close()
    assert found == {}, "\n".join(f"{url}: {problems}" for url, problems in found.items())


def test_the_review_queue_and_the_article_list_have_no_serious_violation_on_a_phone(
    browser: Browser, live_server, settings
):
    settings.DEBUG = True  # load_demo refuses otherwise
    logins = demo.load()
    # An article pasted without a publisher: the publisher filter offers it too.
    ArticleFactory(project=Project.objects.get(slug="newsroom"), publisher="")
    context, page = logged_in(
        browser,
        live_server.url,
        "reviewer1",
        logins["reviewer1"],
        bypass_csp=True,
        viewport={"width": 390, "height": 844},
    )
    found = {}
    for url in ["/admin/annotations/reviewqueue/", "/admin/annotations/article/"]:
        problems = violations(page, f"{live_server.url}{url}")
        if problems:
            found[url] = problems
    context.close()
    assert found == {}, "\n".join(f"{url}: {problems}" for url, problems in found.items())
