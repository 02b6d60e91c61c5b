import pytest
from playwright.sync_api import Page, expect

from annotations.choices import Status
from annotations.models import Annotation
from annotations.review import workflow
from annotations.spans import editing
from tests.e2e.helpers import (
    _TEXT_BOX,
    log_in,
    open_annotation,
    select_exactly,
    select_text,
    tag_with_key,
)
from tests.factories import AnnotationFactory, ArticleFactory, EvidenceFactory, annotator, reviewer

pytestmark = pytest.mark.django_db(transaction=True)

BODY = (
    "Launch day 🚀 at the cape. The mission succeeded on its first try, NASA said on Monday.\n\n"
    "According to the agency’s director, the rocket “carried three satellites”, a first for the "
    "programme. A rival company denied that the launch was a first."
)


@pytest.fixture
def writer(db):
    return annotator(username="writer")


@pytest.fixture
def story(writer):
    return ArticleFactory(title="Rocket launch “succeeds” — Zoë reports", body=BODY)


def article_url(live_server, article):
    return f"{live_server.url}/articles/{article.pk}/"


def open_article(page: Page, live_server, article):
    """Open the article page and wait until its annotations have loaded from the API."""
    response = page.goto(article_url(live_server, article))
    expect(page.locator("body.js-ready")).to_have_count(1)
    return response


def test_log_in_shows_the_article_list_and_bad_passwords_are_refused(
    page: Page, live_server, story, writer
):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.fill("#id_username", "writer")
    page.fill("#id_password", "wrong")
    page.click("main button[type=submit]")
    expect(page.locator(".alert-error")).to_contain_text("correct username and password")
    log_in(page, live_server.url, "writer")
    expect(page.get_by_role("link", name=story.title)).to_be_visible()


def test_a_span_after_an_emoji_is_tagged_with_the_keyboard_and_kept_at_its_characters(
    page: Page, live_server, story, writer, artifacts
):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    tag_with_key(page, "The mission succeeded", "1")
    page.screenshot(path=artifacts / "article-page.png")
    page.reload()
    expect(page.locator("body.js-ready")).to_have_count(1)
    mark = page.locator("mark.hl-claim")
    expect(mark).to_have_text("The mission succeeded")
    response = page.request.get(f"{live_server.url}/api/v1/annotations/?article={story.pk}")
    (annotation,) = response.json()["results"]
    start = BODY.index("The mission succeeded")  # Python counts code points, as the API does
    assert (annotation["start"], annotation["end"]) == (start, start + len("The mission succeeded"))
    assert annotation["label"] == "claim"
    assert BODY[annotation["start"] : annotation["end"]] == annotation["quote"]


def test_selection_is_trimmed_of_surrounding_white_space(page: Page, live_server, story, writer):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    select_exactly(page, " at the cape. ")
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("2")
    expect(page.locator("#card .card-quote")).to_have_text("at the cape.")


def test_escape_closes_the_toolbar_without_tagging(page: Page, live_server, story, writer):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    select_text(page, "NASA said on Monday")
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#toolbar")).to_be_hidden()
    page.keyboard.press("1")
    expect(page.locator("mark.hl")).to_have_count(0)


def test_nested_spans_are_all_visible_and_each_can_be_picked(
    page: Page, live_server, story, writer
):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    outer = "The mission succeeded on its first try, NASA said on Monday."
    tag_with_key(page, outer, "3")
    tag_with_key(page, "succeeded on its first try", "1")
    expect(page.locator("mark.hl-attribution")).to_have_count(3)  # split around the inner claim
    expect(page.locator("mark.hl-claim")).to_have_count(1)
    page.keyboard.press("Escape")
    page.locator("mark.hl-claim").click()
    expect(page.locator("#card .card-quote")).to_have_text("succeeded on its first try")
    page.locator("#card .overlaps button").click()
    expect(page.locator("#card .card-quote")).to_have_text(outer)


def test_evidence_is_added_with_a_stance_and_a_bad_url_shows_its_error(
    page: Page, live_server, story, writer, artifacts
):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    tag_with_key(page, "carried three satellites", "1")
    page.click("summary:has-text('Add evidence')")
    page.fill("#ev-url", "javascript:alert(1)")
    page.fill("#ev-title", "Launch manifest")
    page.click("text=Add evidence >> nth=-1")
    # No stance is chosen for the user: the form asks for one before anything is sent.
    expect(page.locator('.field-error[data-for="stance"]')).to_contain_text("supports, refutes")
    page.select_option("#ev-stance", "refutes")
    page.click("text=Add evidence >> nth=-1")
    expect(page.locator('.field-error[data-for="url"]')).to_contain_text("valid URL")
    page.fill("#ev-url", "https://agency.example.org/manifest")
    page.click("text=Add evidence >> nth=-1")
    item = page.locator(".evidence-item")
    expect(item).to_contain_text("Launch manifest")
    expect(item.locator(".tag-stance")).to_have_text("Refutes")
    page.screenshot(path=artifacts / "annotation-card.png")
    annotation = Annotation.objects.get()
    link = annotation.evidence_links.select_related("evidence").get()
    assert (link.stance, link.evidence.url) == ("refutes", "https://agency.example.org/manifest")


def test_an_attribution_is_linked_to_its_claim_and_submitted(
    page: Page, live_server, story, writer
):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    tag_with_key(page, "the rocket “carried three satellites”", "1")
    tag_with_key(page, "According to the agency’s director", "3")
    page.select_option(
        "#link-target", label="Claim: “the rocket “carried three satellites”” (writer)"
    )
    page.click("#add-link")
    page.click("text=Submit for review")  # at once: the editor sends it after the link
    expect(page.locator("#card .card-section li", has_text="Attributes")).to_have_count(1)
    expect(page.locator("#card .tag-status")).to_have_text("Submitted")
    attribution = Annotation.objects.get(label="attribution")
    assert attribution.status == Status.SUBMITTED
    assert list(attribution.outgoing_links.values_list("target__label", "kind")) == [
        ("claim", "attributes")
    ]


def test_a_stale_edit_shows_the_conflict_and_keeps_the_typed_note(
    page: Page, live_server, story, writer
):
    annotation = AnnotationFactory(article=story, author=writer, start=BODY.index("NASA"), length=4)
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    open_annotation(page, "NASA")
    # Meanwhile the same annotation is edited elsewhere (another tab, another device).
    editing.update_annotation(annotation=annotation, user=writer, changes={"label": "denial"})
    page.fill("#card-note", "Check the agency’s press release.")
    page.click("#save-note")
    expect(page.locator("#card .conflict")).to_contain_text("changed elsewhere")
    expect(page.locator("#card-note")).to_have_value("Check the agency’s press release.")
    page.click("text=Reload annotation")
    expect(page.locator("#card .tag-label")).to_have_text("Denial")
    expect(page.locator("#card-note")).to_have_value("Check the agency’s press release.")
    page.click("#save-note")
    expect(page.locator("#card")).to_contain_text("version 3")
    expect(page.locator("#card .conflict")).to_have_count(0)
    annotation.refresh_from_db()
    assert (annotation.note, annotation.label) == ("Check the agency’s press release.", "denial")


def test_another_annotator_cannot_edit_it(page: Page, live_server, story, writer):
    annotation = AnnotationFactory(article=story, author=writer, start=BODY.index("NASA"), length=4)
    workflow.perform("submit", annotation=annotation, user=writer)
    annotator(username="colleague")
    log_in(page, live_server.url, "colleague")
    open_article(page, live_server, story)
    open_annotation(page, "NASA")
    expect(page.locator("#card-note")).to_have_count(0)
    expect(page.locator("#card-label")).to_have_count(0)
    expect(page.locator("#card")).to_contain_text("Read-only: it belongs to writer.")
    forged = page.request.patch(
        f"{live_server.url}/api/v1/annotations/{annotation.pk}/",
        data={"note": "sneaky"},
        headers={
            "X-CSRFToken": next(
                c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"
            )
        },
    )
    assert forged.status == 403


def test_an_expired_session_says_so_and_the_change_can_be_retried(
    page: Page, live_server, story, writer
):
    AnnotationFactory(article=story, author=writer, start=BODY.index("NASA"), length=4)
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    open_annotation(page, "NASA")
    page.context.clear_cookies()
    page.fill("#card-note", "Typed before the session ran out.")
    page.click("#save-note")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("session has expired")
    expect(notice.get_by_role("link", name="Log in again")).to_be_visible()
    expect(page.locator("#card-note")).to_have_value("Typed before the session ran out.")
    with page.context.expect_page() as login_tab:
        notice.get_by_role("link", name="Log in again").click()
    tab = login_tab.value
    tab.fill("#id_username", "writer")
    tab.fill("#id_password", "correct horse battery staple")
    tab.click("main button[type=submit]")
    tab.wait_for_load_state()
    tab.close()
    notice.get_by_role("button", name="Retry").click()
    expect(page.locator("#card")).to_contain_text("version 2")
    expect(notice).to_be_hidden()
    assert Annotation.objects.get().note == "Typed before the session ran out."


def test_an_unreachable_server_is_reported(page: Page, live_server, story, writer):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    page.route("**/api/v1/**", lambda route: route.abort("connectionrefused"))
    select_text(page, "NASA said on Monday")
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator("#notice")).to_contain_text("Cannot reach the server")
    expect(page.locator("mark.hl")).to_have_count(0)  # not shown as saved


def test_pages_send_a_content_security_policy_and_break_none_of_it(
    page: Page, live_server, story, writer
):
    violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    log_in(page, live_server.url, "writer")
    response = open_article(page, live_server, story)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    expect(page.locator("body.js-ready")).to_have_count(1)
    assert violations == []


def test_the_article_page_is_usable_on_a_narrow_screen(
    page: Page, live_server, story, writer, artifacts
):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    tag_with_key(page, "NASA said on Monday", "1")
    page.screenshot(path=artifacts / "article-page-narrow.png", full_page=True)
    expect(page.locator("#card")).to_be_visible()


def test_hostile_text_stays_inert_in_the_editor(page: Page, live_server, writer):
    payload = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    article = ArticleFactory(title=f"T {payload}", body=f"Intro {payload} outro.")
    annotation = AnnotationFactory(article=article, author=writer, start=0, length=5)
    Annotation.objects.filter(pk=annotation.pk).update(note=payload)
    evidence = EvidenceFactory(title=payload, url="https://example.org/e")
    annotation.evidence_links.create(evidence=evidence, stance="context", note=payload)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, article)
    open_annotation(page, "Intro")
    expect(page.locator("#article-body")).to_contain_text(payload)
    expect(page.locator("#card-note")).to_have_value(payload)
    expect(page.locator("#card .evidence-item a")).to_have_text(payload)
    assert page.locator("#article-body img, #card img, #annotation-list img, h1 img").count() == 0
    assert page.locator("main script").count() == 1  # only the JSON data island
    assert dialogs == []


def test_an_author_moves_a_span_sent_back_by_a_reviewer(page: Page, live_server, story, writer):
    start = BODY.index("first try")
    annotation = AnnotationFactory(article=story, author=writer, start=start, length=9)
    workflow.perform("submit", annotation=annotation, user=writer)
    checker = reviewer(username="checker")
    workflow.perform(
        "request_changes",
        annotation=Annotation.objects.get(pk=annotation.pk),
        user=checker,
        note="Take the sentence.",
    )
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    open_annotation(page, "first try")
    expect(page.locator("#card .review-note")).to_contain_text("Take the sentence.")
    select_text(page, "The mission succeeded on its first try")
    expect(page.locator("#toolbar-move")).to_be_visible()
    page.keyboard.press("m")
    expect(page.locator("#card .card-quote")).to_have_text("The mission succeeded on its first try")
    page.click("text=Submit for review")
    expect(page.locator("#card .tag-status")).to_have_text("Submitted")
    annotation.refresh_from_db()
    assert annotation.quote == "The mission succeeded on its first try"
    assert annotation.start == BODY.index("The mission")


def test_a_reviewer_goes_from_the_card_to_the_review_page(page: Page, live_server, story, writer):
    annotation = AnnotationFactory(article=story, author=writer, start=BODY.index("NASA"), length=4)
    workflow.perform("submit", annotation=annotation, user=writer)
    reviewer(username="checker")
    log_in(page, live_server.url, "checker")
    open_article(page, live_server, story)
    open_annotation(page, "NASA")
    expect(page.locator("#card-note")).to_have_count(0)  # reviewers do not edit others' work
    page.get_by_role("link", name="Review in admin").click()
    expect(page).to_have_url(
        f"{live_server.url}/admin/annotations/reviewqueue/{annotation.pk}/change/"
    )
    expect(page.locator(".review-context mark")).to_have_text("NASA")


def double_click_word(page: Page, word: str) -> None:
    box = page.evaluate(_TEXT_BOX, [word, 0, False])
    page.mouse.dblclick((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2)


def test_keyboard_selection_starts_at_the_word_the_user_double_clicked(
    page: Page, live_server, story, writer
):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    double_click_word(page, "rocket")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator("#card .card-quote")).to_have_text("rocket “carried")
    saved = Annotation.objects.get()
    assert (saved.start, saved.quote) == (BODY.index("rocket"), "rocket “carried")


def test_a_ten_word_claim_is_selected_by_whole_words_and_saved_in_eleven_keys(
    page: Page, live_server, story, writer
):
    claim = "the rocket “carried three satellites”, a first for the programme"
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    box = page.evaluate(_TEXT_BOX, [claim, 0, False])
    page.mouse.click(box["x1"], box["y1"])  # the caret, before "the"
    keys = ["Control+Shift+ArrowRight"] * 10 + ["1"]
    for key in keys:
        page.keyboard.press(key)
    assert len(keys) <= 12
    expect(page.locator("#card .card-quote")).to_have_text(claim)
    saved = Annotation.objects.get()
    assert (saved.start, saved.end, saved.quote) == (
        BODY.index(claim),
        BODY.index(claim) + len(claim),
        claim,
    )


def test_on_a_mac_whole_words_are_selected_with_alt_and_shift(
    page: Page, live_server, story, writer
):
    page.add_init_script(
        """Object.defineProperty(navigator, "platform", { get: () => "MacIntel" });
           Object.defineProperty(navigator, "userAgentData", { get: () => undefined });"""
    )
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    double_click_word(page, "rocket")
    page.keyboard.press("Alt+Shift+ArrowRight")
    page.keyboard.press("Alt+Shift+ArrowRight")
    page.keyboard.press("3")
    expect(page.locator("#card .card-quote")).to_have_text("rocket “carried three")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("Alt + Shift")


def test_whole_words_shrink_back_without_taking_a_space(page: Page, live_server, story, writer):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    double_click_word(page, "rocket")
    page.keyboard.press("Control+Shift+ArrowRight")  # rocket “carried
    page.keyboard.press("Control+Shift+ArrowRight")  # rocket “carried three
    page.keyboard.press("Control+Shift+ArrowLeft")  # back to rocket “carried
    assert page.evaluate("getSelection().toString()") == "rocket “carried"


def test_t_brings_the_keyboard_into_the_text_from_anywhere_on_the_page(
    page: Page, live_server, story, writer
):
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    expect(page.locator("#hint")).to_contain_text("T takes you to the text")
    page.locator("#filter-who").focus()
    page.keyboard.press("Tab")  # out of the filters, somewhere on the page
    page.keyboard.press("t")
    expect(page.locator("#article-body")).to_be_focused()
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("2")
    expect(page.locator("#card .card-quote")).to_have_text("Launch day")
    page.keyboard.press("?")
    keys = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(keys).to_contain_text("to the text, from anywhere on the page")
    expect(keys).to_contain_text("Ctrl + Shift + ← →")


def test_a_label_key_does_not_tag_a_selection_scrolled_out_of_sight(
    page: Page, live_server, writer
):
    story = ArticleFactory(body=BODY + "\n\n" + "More reporting follows here. " * 400)
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    select_text(page, "NASA said on Monday")
    expect(page.locator("#toolbar")).to_be_visible()
    page.mouse.wheel(0, 4000)
    page.wait_for_function("window.scrollY > 2000")
    page.keyboard.press("1")
    expect(page.locator("#toolbar")).to_be_hidden()
    page.wait_for_timeout(500)  # past the settling of the drag's selection events
    expect(page.locator("#toolbar")).to_be_hidden()
    expect(page.locator("mark.hl")).to_have_count(0)
    assert not Annotation.objects.exists()


FLAG_BODY = "Spain 🇪🇸 won the final in Berlin."


def select_from_inside_the_flag_to(page: Page, word: str) -> None:
    """Select from between the flag's two regional indicators to the end of `word`."""
    page.evaluate(
        """(word) => {
          const walker = document.createTreeWalker(
            document.getElementById("article-body"), NodeFilter.SHOW_TEXT);
          const nodes = [];
          while (walker.nextNode()) nodes.push(walker.currentNode);
          const flag = nodes.find((n) => n.data.includes("🇪🇸"));
          const last = nodes.find((n) => n.data.includes(word));
          const inside = flag.data.indexOf("🇪🇸") + 2;  // after the first indicator
          const end = last.data.indexOf(word) + word.length;
          getSelection().setBaseAndExtent(flag, inside, last, end);
        }""",
        word,
    )


def test_a_selection_widened_to_whole_characters_says_so_and_explains_the_twin_notice(
    page: Page, live_server, writer
):
    story = ArticleFactory(body=FLAG_BODY)
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    select_from_inside_the_flag_to(page, "won")
    note = page.locator("#toolbar-widened")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Widened to whole characters")
    page.keyboard.press("1")
    expect(page.locator("#card .card-quote")).to_have_text("🇪🇸 won")
    page.keyboard.press("Escape")
    # A selection that does not split a character gets no such note.
    select_text(page, "the final")
    expect(page.locator("#toolbar")).to_be_visible()
    expect(note).to_be_hidden()
    page.keyboard.press("Escape")
    # Half the flag again: widened, it is the same span as the claim there is.
    select_from_inside_the_flag_to(page, "won")
    expect(note).to_be_visible()
    page.keyboard.press("1")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("already a claim on exactly these words")
    expect(notice).to_contain_text("widened to whole characters, which made it the same span")
    assert Annotation.objects.get().quote == "🇪🇸 won"


# Every control a person can press or type into, as drawn: tag, what it says, width, height.
CONTROLS = """() => [...document.querySelectorAll(
    'a[href], button, select, input:not([type=hidden]), textarea, summary, [tabindex="0"]')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
  .map((el) => {
    const box = el.getBoundingClientRect();
    const name = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} “${
      (el.textContent || el.placeholder || "").trim().slice(0, 30)}”`;
    const primary = el.matches("#toolbar button, #card .actions > *, .button-primary");
    return { name, primary, width: box.width, height: box.height };
  })"""


def wait_until_the_page_stops_scrolling(page: Page) -> None:
    page.wait_for_function(
        """() => new Promise((done) => {
          const before = window.scrollY;
          setTimeout(() => done(window.scrollY === before), 200);
        })"""
    )


def test_on_a_phone_every_control_is_24_px_and_the_primary_ones_44(
    page: Page, live_server, writer, artifacts
):
    story = ArticleFactory(
        body="The mayor said the bridge opens in May. Officials denied it on Tuesday. "
        "According to the council it will."
    )
    claim = AnnotationFactory(article=story, author=writer, start=0, length=38)
    start = story.body.index("According")
    attribution = AnnotationFactory(
        article=story, author=writer, label="attribution", start=start, length=24
    )
    editing.add_link(source=attribution, target=claim, user=writer)
    evidence = EvidenceFactory(title="Council minutes", url="https://example.org/minutes")
    attribution.evidence_links.create(evidence=evidence, stance="supports")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    page.locator(".list-item", has_text="According").click()
    page.click("summary:has-text('Add evidence')")
    wait_until_the_page_stops_scrolling(page)  # the card scrolls into view on a phone
    page.evaluate("window.scrollTo(0, 0)")
    select_text(page, "Officials denied it")
    expect(page.locator("#toolbar")).to_be_visible()
    page.screenshot(path=artifacts / "editor-phone-controls.png", full_page=True)
    controls = page.evaluate(CONTROLS)
    assert len(controls) > 25
    small = [c for c in controls if min(c["width"], c["height"]) < 24]
    assert small == [], small
    primary = [c for c in controls if c["primary"]]
    assert len(primary) >= 6  # three labels, submit, delete, add evidence at least
    cramped = [c for c in primary if min(c["width"], c["height"]) < 44]
    assert cramped == [], cramped


NESTED = "According to the council, the mayor said the bridge opens in May, officials added."

# Per annotation id: the depth classes, bottom paddings, outlines (drawn as a shadow, so one
# bracket goes round the pieces nested spans cut) and underline styles of its marks, the bottom
# edge of its mark over "bridge", and its letter's background.
DRAWN = """() => {
  const found = {};
  for (const mark of document.querySelectorAll("#article-body mark.hl")) {
    const style = getComputedStyle(mark);
    const entry = (found[mark.dataset.id] ??= {
      depths: [], paddings: [], outlines: [], underlines: [], bottom: null, letter: null });
    entry.depths.push([...mark.classList].find((c) => c.startsWith("depth-")));
    entry.paddings.push(style.paddingBottom);
    entry.outlines.push(style.outlineStyle === "none" && style.boxShadow !== "none");
    entry.underlines.push(style.borderBottomStyle);
    if (mark.textContent.includes("bridge")) entry.bottom = mark.getBoundingClientRect().bottom;
    if (mark.classList.contains("hl-start")) {
      entry.letter = getComputedStyle(mark, "::before").backgroundColor;
    }
  }
  return found;
}"""


def test_three_nested_spans_each_keep_their_own_underline_level_and_only_the_open_one_is_outlined(
    page: Page, live_server, writer, artifacts
):
    story = ArticleFactory(body=NESTED)
    outer_text = "According to the council, the mayor said the bridge opens in May"
    middle_text = "the mayor said the bridge opens in May"
    outer = AnnotationFactory(
        article=story, author=writer, label="attribution", start=0, length=len(outer_text)
    )
    middle = AnnotationFactory(
        article=story,
        author=writer,
        start=NESTED.index(middle_text),
        length=len(middle_text),
        status="approved",
        review_note="ok",
    )
    inner = AnnotationFactory(
        article=story, author=writer, label="denial", start=NESTED.index("the bridge"), length=16
    )
    workflow.perform("submit", annotation=outer, user=writer)
    log_in(page, live_server.url, "writer")
    open_article(page, live_server, story)
    page.locator(f'.list-item[data-id="{middle.pk}"]').click()
    expect(page.locator("#card .card-quote")).to_have_text(middle_text)
    expect(page.locator("mark.flash")).to_have_count(0)
    page.locator("#article-body").screenshot(path=artifacts / "nested-spans.png")
    drawn = page.evaluate(DRAWN)
    levels = [drawn[str(a.pk)] for a in (outer, middle, inner)]
    # One depth per span, the same along all of it, and a different one for each span.
    assert [set(level["depths"]) for level in levels] == [{"depth-0"}, {"depth-1"}, {"depth-2"}]
    paddings = [set(level["paddings"]) for level in levels]
    assert all(len(p) == 1 for p in paddings) and len(set.union(*paddings)) == 3
    # Over "bridge" the three underlines are stacked: each deeper one at least 4 px lower.
    bottoms = [level["bottom"] for level in levels]
    assert bottoms[1] - bottoms[0] >= 4 and bottoms[2] - bottoms[1] >= 4, bottoms
    # Only the open span is outlined, all along it: status is not a box around the words.
    assert [set(level["outlines"]) for level in levels] == [{False}, {True}, {False}]
    # Status reads from the line and the mark after it; letters are not boxed tags.
    assert set(levels[2]["underlines"]) == {"dotted"}  # the draft denial
    assert set(levels[0]["underlines"]) == {"dashed"}  # the submitted attribution
    assert {level["letter"] for level in levels} == {"rgba(0, 0, 0, 0)"}
