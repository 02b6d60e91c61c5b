"""Browser: the editor redraws only the lines a change touches; what it shows after a series of
changes must be exactly what a fresh page draws from the stored annotations."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import log_in, open_annotation, tag_with_key
from tests.factories import ArticleFactory, annotator

pytestmark = pytest.mark.django_db(transaction=True)

BODY = (
    "McCaul stated the bridge opened in May.\n"
    "\n"
    "Officials denied it on Tuesday, according to the council.\n"
    "The council's figures say otherwise."
)


def drawn(page: Page) -> dict:
    return page.evaluate(
        """() => ({
          html: document.getElementById("article-body").innerHTML,
          list: [...document.querySelectorAll("#annotation-list .list-item")]
            .map((b) => b.textContent),
        })"""
    )


def test_redrawn_lines_match_a_fresh_page(page: Page, live_server):
    annotator(username="writer")
    story = ArticleFactory(body=BODY)
    log_in(page, live_server.url, "writer")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    expect(page.locator("body.js-ready")).to_have_count(1)
    tag_with_key(page, "the bridge opened in May", "1")
    tag_with_key(page, "McCaul stated", "3")
    tag_with_key(page, "Officials denied it on Tuesday, according", "2")  # across a comma
    tag_with_key(page, "according to the council", "3")  # overlaps the denial
    tag_with_key(page, "figures say otherwise", "1")
    page.select_option("#card-label", "denial")  # relabel the last one
    expect(page.locator("#card .tag-label")).to_have_text("Denial")
    open_annotation(page, "McCaul stated")
    page.locator("#card .button-danger").click()
    page.locator("#card .button-danger").click()  # twice: delete
    expect(page.locator(".list-item", has_text="McCaul stated")).to_have_count(0)
    open_annotation(page, "the bridge opened in May")
    expect(page.locator("#article-body mark.is-selected")).to_have_count(1)
    after_changes = drawn(page)
    page.reload()
    expect(page.locator("body.js-ready")).to_have_count(1)
    open_annotation(page, "the bridge opened in May")
    assert drawn(page) == after_changes
    assert after_changes["html"].count('class="line"') == BODY.count("\n") + 1
