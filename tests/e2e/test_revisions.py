"""Browser: after a correction, the author sees what moved and confirms a proposed span."""

import pytest
from playwright.sync_api import Page, expect

from annotations.choices import Anchor
from annotations.models import Annotation
from annotations.revisions import revising
from tests.e2e.helpers import log_in
from tests.factories import AnnotationFactory, ArticleFactory, annotator

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "The mayor, Jon Smith, said the bridge opens in May.\n\nOfficials denied it on Tuesday."


def test_a_proposed_span_is_listed_not_highlighted_until_its_author_confirms_it(
    page: Page, live_server, artifacts
):
    writer = annotator(username="writer")
    story = ArticleFactory(body=BODY)
    for quote in ("Jon Smith", "Officials denied it"):
        start = BODY.index(quote)
        AnnotationFactory(article=story, author=writer, start=start, length=len(quote))
    revising.add_revision(user=writer, article=story, body=BODY.replace("Jon", "John"))

    log_in(page, live_server.url, "writer")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    expect(page.locator("body.js-ready")).to_have_count(1)
    expect(page.locator(".revision-info")).to_contain_text("1 annotation kept in place, 1 proposed")
    expect(page.locator("mark.hl")).to_have_count(1)  # only the one on the current text
    item = page.locator(".list-item", has_text="Jon Smith")
    expect(item).to_contain_text("Proposed")
    item.click()
    expect(page.locator(".anchor-notice")).to_contain_text("John Smith")
    page.screenshot(path=artifacts / "proposed-span.png")
    page.get_by_role("button", name="Confirm the proposed span").click()
    expect(page.locator("mark.hl")).to_have_count(2)
    expect(page.locator(".anchor-notice")).to_have_count(0)
    confirmed = Annotation.objects.get(quote__startswith="John")
    assert (confirmed.anchor, confirmed.revision) == (Anchor.ANCHORED, 2)
