from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

# Finds `text` in the rendered article body and returns the screen points of its first and last
# characters, so the test can drag the mouse across it as a person would.
_TEXT_BOX = """([text, occurrence, select]) => {
  const body = document.getElementById("article-body");
  const full = body.textContent;
  let index = -1;
  for (let i = 0; i <= occurrence; i++) index = full.indexOf(text, index + 1);
  if (index < 0) throw new Error("text not in the article: " + text);
  const locate = (unit, preferEnd) => {
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    let node, seen = 0;
    while ((node = walker.nextNode())) {
      const end = seen + node.data.length;
      if (unit < end || (preferEnd && unit === end)) return [node, unit - seen];
      seen = end;
    }
    throw new Error("offset past the text");
  };
  const [startNode, startOffset] = locate(index, false);
  const [endNode, endOffset] = locate(index + text.length, true);
  const first = document.createRange();
  first.setStart(startNode, startOffset);
  first.setEnd(startNode, startOffset + 1);
  const last = document.createRange();
  last.setStart(endNode, endOffset - 1);
  last.setEnd(endNode, endOffset);
  if (select) {
    const range = document.createRange();
    range.setStart(startNode, startOffset);
    range.setEnd(endNode, endOffset);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    return null;
  }
  const a = first.getClientRects()[0];
  const rects = last.getClientRects();
  const b = rects[rects.length - 1];
  return { x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2 };
}"""


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    expect(page.locator(".whoami")).to_have_text(username)


def select_text(page: Page, text: str, occurrence: int = 0) -> None:
    """Drag the mouse across `text` in the article body."""
    box = page.evaluate(_TEXT_BOX, [text, occurrence, False])
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def select_exactly(page: Page, text: str) -> None:
    """Select exactly `text`, white space included, then nudge it with Shift+arrows.

    A mouse drag cannot start reliably on a space; the keyboard nudge fires the same events a
    person's keyboard selection does.
    """
    page.evaluate(_TEXT_BOX, [text, 0, True])
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowLeft")


def tag_with_key(page: Page, text: str, key: str, occurrence: int = 0) -> None:
    select_text(page, text, occurrence)
    expect(page.locator("#toolbar")).to_be_visible()
    page.keyboard.press(key)
    expect(page.locator("#card .card-quote")).to_have_text(text)
    expect(page.locator("#card .tag-status")).to_have_text("Draft")


def open_annotation(page: Page, quote: str) -> None:
    page.locator(".list-item", has_text=quote[:40]).first.click()
    expect(page.locator("#card .card-quote")).to_have_text(quote)


def logged_in(browser, base_url: str, username: str, password: str, **context_options):
    """A new browser context logged in through the log-in page, and its page."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return context, page
