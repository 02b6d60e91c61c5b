"""Browser: the editor defects a desk met (issue 14): overshooting drags, the same span twice,
long link targets in the side panel."""

import json

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation
from tests.e2e.helpers import log_in, select_text, tag_with_key
from tests.factories import AnnotationFactory, ArticleFactory, annotator

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "The mayor said the bridge opens in May. Officials denied it on Tuesday."


@pytest.fixture
def writer(db):
    return annotator(username="writer")


def open_story(page: Page, live_server, story) -> None:
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    expect(page.locator("body.js-ready")).to_have_count(1)


def test_a_drag_past_the_end_of_the_article_is_clamped_to_its_text(page: Page, live_server, writer):
    story = ArticleFactory(body=BODY)
    log_in(page, live_server.url, "writer")
    open_story(page, live_server, story)
    start = page.evaluate(
        """() => {
          const body = document.getElementById("article-body");
          const node = document.createTreeWalker(body, NodeFilter.SHOW_TEXT).nextNode();
          const range = document.createRange();
          const at = node.data.indexOf("Officials");
          range.setStart(node, at); range.setEnd(node, at + 1);
          const r = range.getBoundingClientRect();
          return { x: r.left + 1, y: r.top + r.height / 2 };
        }"""
    )
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move(start["x"] + 300, start["y"] + 400, steps=10)  # far below the article
    page.mouse.up()
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("2")
    expect(page.locator("#card .card-quote")).to_have_text("Officials denied it on Tuesday.")
    assert Annotation.objects.get().quote == "Officials denied it on Tuesday."


def test_tagging_the_same_words_twice_offers_the_existing_annotation(
    page: Page, live_server, writer
):
    story = ArticleFactory(body=BODY)
    log_in(page, live_server.url, "writer")
    open_story(page, live_server, story)
    tag_with_key(page, "the bridge opens in May", "1")
    page.locator("#card .close").click()
    select_text(page, "the bridge opens in May")
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator("#notice")).to_contain_text("already a claim on exactly these words")
    page.get_by_role("button", name="Open it").click()
    expect(page.locator("#card .card-quote")).to_have_text("the bridge opens in May")
    assert Annotation.objects.count() == 1


@pytest.mark.parametrize("width", [1366, 390])
def test_a_long_link_target_wraps_inside_the_side_panel(
    page: Page, live_server, writer, width, artifacts
):
    long = (
        "The mayor said " + "that the new bridge over the river would be finished " * 4 + "in May."
    )
    story = ArticleFactory(body=f"{long} According to the council it will.")
    AnnotationFactory(article=story, author=writer, start=0, length=len(long))  # a claim
    start = story.body.index("According to the council")
    AnnotationFactory(article=story, author=writer, label="attribution", start=start, length=24)
    page.set_viewport_size({"width": width, "height": 844 if width < 500 else 768})
    log_in(page, live_server.url, "writer")
    open_story(page, live_server, story)
    page.locator(".list-item", has_text="According to the council").click()
    expect(page.locator("#link-target")).to_be_visible()
    page.screenshot(path=artifacts / f"link-picker-{width}.png", full_page=True)
    overflow = page.evaluate(
        """() => {
          const card = document.getElementById("card");
          const picker = document.getElementById("link-target");
          const right = (el) => el.getBoundingClientRect().right;
          return { card: card.scrollWidth - card.clientWidth, picker: right(picker) - right(card) };
        }"""
    )
    assert overflow["card"] <= 1 and overflow["picker"] <= 1, overflow


def test_an_author_submits_all_their_drafts_after_confirming_the_count(
    page: Page, live_server, writer
):
    story = ArticleFactory(body=BODY)
    for start in (0, 4, 40):
        AnnotationFactory(article=story, author=writer, start=start, length=3)
    log_in(page, live_server.url, "writer")
    open_story(page, live_server, story)
    button = page.get_by_role("button", name="Submit my 3 drafts")
    button.click()
    expect(page.locator("#notice")).to_contain_text("Submit your 3 drafts")
    assert not Annotation.objects.filter(status="submitted").exists()  # asked, nothing sent
    page.get_by_role("button", name="Submit 3").click()
    expect(page.locator("#notice")).to_contain_text("3 annotations submitted")
    expect(button).to_be_hidden()
    assert Annotation.objects.filter(status="submitted").count() == 3


def test_review_status_shows_in_the_text_without_relying_on_colour(
    page: Page, live_server, writer, artifacts
):
    story = ArticleFactory(body=BODY)
    for start, status in ((0, "draft"), (9, "submitted"), (40, "approved"), (50, "rejected")):
        AnnotationFactory(
            article=story, author=writer, start=start, length=4, status=status, review_note="n"
        )
    log_in(page, live_server.url, "writer")
    open_story(page, live_server, story)
    marks = page.evaluate(
        """() => [...document.querySelectorAll("mark.hl-end")].map((m) => [
          [...m.classList].find((c) => c.startsWith("status-")),
          getComputedStyle(m, "::after").content,
          getComputedStyle(m).textDecorationLine,
        ])"""
    )
    by_status = {status: (after, line) for status, after, line in marks}
    assert by_status["status-approved"][0] == '"✓"'
    assert by_status["status-submitted"][0] == '"…"'
    assert by_status["status-rejected"] == ('"✗"', "line-through")
    assert by_status["status-draft"][0] in ("none", "normal")
    expect(page.locator(".legend")).to_contain_text("✓ approved")
    expect(page.locator(".submit-all")).to_be_hidden()  # one draft: nothing to do in bulk
    page.screenshot(path=artifacts / "status-in-text.png")


def test_on_a_phone_a_touch_selection_gets_the_toolbar_and_a_tapped_highlight_its_card(
    page: Page, live_server, writer, artifacts
):
    story = ArticleFactory(body=BODY + "\n\n" + "More reporting follows here. " * 40)
    AnnotationFactory(article=story, author=writer, start=0, length=9)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "writer")
    page.goto(f"{live_server.url}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the article list is {width}px wide on a 390px screen"
    page.screenshot(path=artifacts / "article-list-phone.png", full_page=True)
    open_story(page, live_server, story)
    # A touch selection: no mouse, no Shift; only the selection changes.
    page.evaluate(
        """() => {
          const body = document.getElementById("article-body");
          const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
          let text;
          while ((text = walker.nextNode())) { if (text.data.includes("Officials")) break; }
          const at = text.data.indexOf("Officials");
          const range = document.createRange();
          range.setStart(text, at); range.setEnd(text, at + "Officials denied it".length);
          getSelection().removeAllRanges(); getSelection().addRange(range);
        }"""
    )
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("Escape")
    page.evaluate("getSelection().removeAllRanges()")
    page.locator("mark.hl").first.click()
    expect(page.locator("#card")).to_be_in_viewport()


def test_a_selection_inside_an_emoji_sequence_widens_to_whole_characters(
    page: Page, live_server, writer
):
    story = ArticleFactory(body="The family 👩\u200d👩\u200d👧 moved to Tromsø in May.")
    log_in(page, live_server.url, "writer")
    open_story(page, live_server, story)
    # Select from inside the ZWJ sequence (after its first woman) to the end of "moved".
    page.evaluate(
        """() => {
          const body = document.getElementById("article-body");
          const text = document.createTreeWalker(body, NodeFilter.SHOW_TEXT).nextNode();
          const range = document.createRange();
          const inside = text.data.indexOf("\\u200d");
          range.setStart(text, inside);
          range.setEnd(text, text.data.indexOf("moved") + 5);
          getSelection().removeAllRanges(); getSelection().addRange(range);
        }"""
    )
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator("#card .card-quote")).to_have_text("👩\u200d👩\u200d👧 moved")
    assert Annotation.objects.get().quote == "👩\u200d👩\u200d👧 moved"


def test_an_exporter_builds_an_export_sees_its_count_and_downloads_it(page: Page, live_server):
    from tests.factories import exporter

    exporter(username="bot")
    story = ArticleFactory(body=BODY)
    for start, label in ((0, "claim"), (4, "claim"), (40, "denial")):
        AnnotationFactory(
            article=story,
            author=writer_for(story),
            start=start,
            length=3,
            label=label,
            status="approved",
            review_note="ok",
        )
    log_in(page, live_server.url, "bot")
    page.get_by_role("link", name="Export").click()
    expect(page.locator("#export-count")).to_have_text("3 annotations will be exported.")
    page.select_option("#ex-label", "denial")
    expect(page.locator("#export-count")).to_have_text("1 annotation will be exported.")
    with page.expect_download() as download:
        page.locator("#export-link").click()
    lines = download.value.path().read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["label"] == "denial"


def writer_for(story):
    return annotator(username="exported-writer")


def test_an_annotation_is_made_and_opened_with_the_keyboard_alone(page: Page, live_server, writer):
    story = ArticleFactory(body=BODY)
    log_in(page, live_server.url, "writer")
    open_story(page, live_server, story)
    page.locator("#article-body").focus()
    page.keyboard.press("ArrowRight")  # after "The"
    page.keyboard.press("ArrowRight")  # before "mayor"
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")  # "mayor said"
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator("#card .card-quote")).to_have_text("mayor said")
    page.keyboard.press("Escape")
    expect(page.locator("#card")).to_be_hidden()
    page.locator("#article-body").focus()
    page.keyboard.press("ArrowDown")  # the next highlight opens
    expect(page.locator("#card .card-quote")).to_have_text("mayor said")
    expect(page.locator("#article-body")).to_be_focused()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert Annotation.objects.get().quote == "mayor said"
