"""Browser: every page of a desk's day at desktop and phone sizes, saved as PNGs under
test-artifacts/screens/ for people to look at; the app's own pages must fit the phone's width
(no sideways scrolling)."""

import pytest
from playwright.sync_api import Browser

from annotations import demo
from annotations.models import Annotation, Article, Project, Verdict
from tests.e2e.helpers import logged_in

pytestmark = pytest.mark.django_db(transaction=True)

# name: (width, height, browser language); Spanish runs longer than English: it must fit too.
SIZES = {
    "desktop": (1366, 768, "en-GB"),
    "phone": (390, 844, "en-GB"),
    "phone-es": (390, 844, "es-ES"),
}


def test_screens_at_desktop_and_phone_sizes(browser: Browser, live_server, settings, artifacts):
    settings.DEBUG = True  # load_demo refuses otherwise
    logins = demo.load()
    article = Article.objects.get(revision=2)
    submitted = Annotation.objects.filter(status="submitted").first()
    study = Project.objects.get(blind=True)  # double annotation: two annotators, done
    pending = study.articles.filter(adjudication__isnull=True).get()  # awaits its curator
    verdict = Verdict.objects.get(status="published")
    screens = {
        "annotator1": {
            "my-work": "/work/",
            "articles": "/",
            "search": "/?search=minister",
            "article": f"/articles/{article.pk}/",
            "revisions": f"/articles/{article.pk}/revisions/",
            "guidelines": "/projects/newsroom/guidelines/",
            "from-url": "/articles/from-url/?url=https://example.org/news/story",
        },
        "reviewer1": {
            "export": "/export/",
            "queue": "/admin/annotations/reviewqueue/",
            "review": f"/admin/annotations/reviewqueue/{submitted.pk}/change/",
            "api-docs": "/api/docs/",
            "adjudicate": f"/articles/{pending.pk}/adjudicate/",
            "verdict": f"/verdicts/{verdict.pk}/",
            "verdict-admin": f"/admin/annotations/verdict/{verdict.pk}/change/",
        },
        "manager1": {"agreement": f"/admin/annotations/project/{study.pk}/agreement/"},
    }
    folder = artifacts / "screens"
    folder.mkdir(exist_ok=True)
    too_wide = []
    for username, pages in screens.items():
        for size_name, size in SIZES.items():
            context, page = logged_in(
                browser,
                live_server.url,
                username,
                logins[username],
                viewport={"width": size[0], "height": size[1]},
                locale=size[2],
            )
            for name, url in pages.items():
                page.goto(f"{live_server.url}{url}")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=folder / f"{name}-{size_name}.png", full_page=True)
                width = page.evaluate("document.documentElement.scrollWidth")
                if not url.startswith(("/admin/", "/api/")) and width > size[0]:
                    too_wide.append(f"{url} at {size_name}: {width}px")
            context.close()
    assert too_wide == []
