"""Browser: the interface in Spanish through the switcher, and right-to-left article text laid out
per paragraph with selections and offsets still exact."""

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation
from annotations.spans import editing
from tests.e2e.helpers import _TEXT_BOX, log_in
from tests.factories import AnnotationFactory, ArticleFactory, annotator

pytestmark = pytest.mark.django_db(transaction=True)

# An English line, then Arabic ("The minister said that the bridge opens in May. The ministry
# denied that."), then English again: each line is its own paragraph.
BODY = (
    "Wire report, 3 May.\n"
    "قال الوزير إن الجسر سيفتح في مايو. ونفت الوزارة ذلك.\n"
    "The ministry later confirmed the date."
)


@pytest.fixture
def writer(db):
    return annotator(username="writer")


def test_the_switcher_puts_the_editor_in_spanish(page: Page, live_server, writer):
    story = ArticleFactory(body=BODY)
    log_in(page, live_server.url, "writer")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("body.js-ready")).to_have_count(1)
    expect(page.get_by_role("heading", name="Anotaciones")).to_be_visible()
    # Words drawn by the JavaScript come from the catalog too.
    expect(page.locator("#annotation-list")).to_contain_text("Todavía no hay anotaciones.")
    page.locator("#article-body").focus()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Atajos de teclado")).to_be_visible()
    page.keyboard.press("?")
    page.evaluate(_TEXT_BOX, ["The ministry later confirmed", 0, True])
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator("#card")).to_contain_text("Guardar la nota")
    expect(page.locator("#card")).to_contain_text("Enviar a revisión")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_arabic_lines_run_right_to_left_and_offsets_stay_exact(
    page: Page, live_server, writer, artifacts
):
    story = ArticleFactory(body=BODY)
    log_in(page, live_server.url, "writer")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    expect(page.locator("body.js-ready")).to_have_count(1)
    directions = page.evaluate(
        """() => [...document.querySelectorAll("#article-body .line")]
                 .map((line) => getComputedStyle(line).direction)"""
    )
    assert directions == ["ltr", "rtl", "ltr"]
    # The Arabic line starts at the right edge of the text column.
    box = page.evaluate(
        """() => {
          const rtl = document.querySelectorAll("#article-body .line")[1];
          const first = document.createRange();
          first.setStart(rtl.firstChild, 0);
          first.setEnd(rtl.firstChild, 1);
          return {
            right: first.getBoundingClientRect().right,
            column: rtl.getBoundingClientRect().right,
          };
        }"""
    )
    assert abs(box["right"] - box["column"]) < 2
    denied = "ونفت الوزارة ذلك"
    page.evaluate(_TEXT_BOX, [denied, 0, True])
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("2")
    expect(page.locator("#card .card-quote")).to_have_text(denied)
    saved = Annotation.objects.get()
    assert (saved.start, saved.end, saved.quote) == (
        BODY.index(denied),
        BODY.index(denied) + len(denied),
        denied,
    )
    # Drawn back over the text, the highlight covers exactly those words.
    expect(page.locator("#article-body mark.hl")).to_have_text(denied)
    page.screenshot(path=artifacts / "arabic-rtl.png")


def test_the_cards_link_words_are_spanish_in_the_spanish_interface(page: Page, live_server, writer):
    story = ArticleFactory(body=BODY)
    claim_at = BODY.index("The ministry later confirmed")
    claim = AnnotationFactory(article=story, author=writer, start=claim_at, length=28)
    source = AnnotationFactory(
        article=story, author=writer, label="attribution", start=0, length=11
    )
    editing.add_link(source=source, target=claim, user=writer)
    log_in(page, live_server.url, "writer")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("body.js-ready")).to_have_count(1)
    page.locator(".list-item", has_text="The ministry later").click()
    links = page.locator("#card .card-section", has_text="Vínculos")
    expect(links).to_contain_text("atribuye esta anotación")
    expect(links).not_to_contain_text("this")
    page.locator(".list-item", has_text="Wire report").click()
    remove = links.get_by_role("button", name="Quitar el vínculo con The ministry later")
    expect(remove).to_have_text("Quitar")
