"""Browser: an annotator's day across projects: My work, the switcher, guidelines, mark done."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from annotations.choices import Status
from annotations.models import Annotation, Assignment, Project
from tests.e2e.helpers import log_in, tag_with_key
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    annotator,
    exporter,
    manager,
    reviewer,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_annotator_lands_on_my_work_annotates_and_marks_the_article_done(
    page: Page, live_server, artifacts
):
    desk = Project.objects.create(
        name="Desk", slug="desk", guidelines="# Desk rules\n\nMark **whole** claims."
    )
    study = Project.objects.create(name="Study", slug="study")
    writer = annotator(username="writer", project=desk)
    annotator(username="writer", project=study)
    story = ArticleFactory(
        project=desk, title="Bridge story", body="The mayor said the bridge opens in May."
    )
    ArticleFactory(project=study, title="Clinic story")
    Assignment.objects.create(article=story, annotator=writer)

    log_in(page, live_server.url, "writer")
    expect(page.locator("h1")).to_have_text("My work")  # where annotators land
    expect(page.locator("table.work")).to_contain_text("Bridge story")
    page.screenshot(path=artifacts / "my-work.png")

    page.click("text=Articles")
    expect(page.get_by_role("link", name="Clinic story")).to_be_visible()
    page.get_by_role("navigation", name="Projects").get_by_role("link", name="Desk").click()
    expect(page.get_by_role("link", name="Clinic story")).to_have_count(0)
    expect(page.locator("h1")).to_have_text("Desk")

    page.get_by_role("link", name="Bridge story").click()
    expect(page.locator("body.js-ready")).to_have_count(1)
    expect(page.get_by_role("link", name="Guidelines")).to_have_attribute(
        "href", "/projects/desk/guidelines/"
    )
    tag_with_key(page, "the bridge opens in May", "1")

    page.get_by_role("link", name="Mark done").click()
    expect(page.locator("main")).to_contain_text("1 remaining draft")
    page.screenshot(path=artifacts / "mark-done.png")
    page.get_by_role("button", name="Mark done and submit 1").click()
    expect(page.locator(".alert")).to_contain_text("1 annotation submitted")
    assert Annotation.objects.get().status == Status.SUBMITTED
    assert Assignment.objects.get().state == "done"


def test_the_top_bar_shows_only_what_each_user_may_open(page: Page, live_server):
    desk = Project.objects.create(name="Desk", slug="desk")
    annotator(username="writer", project=desk)
    reviewer(username="checker", project=desk)
    manager(username="boss", project=desk, first_name="Ana", last_name="Ruiz")
    nav = page.get_by_role("navigation", name="Main")

    log_in(page, live_server.url, "writer")
    expect(nav.get_by_role("link", name="My work")).to_be_visible()
    expect(nav.get_by_role("link", name="Articles")).to_be_visible()
    for hidden in ("Export", "Review queue", "Admin"):
        expect(nav.get_by_role("link", name=hidden)).to_have_count(0)
    page.goto(f"{live_server.url}/export/")  # typed in: the site's own page says why and whom
    expect(page.locator("h1")).to_have_text("Not open to you")
    expect(page.locator("main")).to_contain_text("Exporting needs the exporter")
    expect(page.locator("main")).to_contain_text("Ana Ruiz")
    expect(nav.get_by_role("link", name="Articles")).to_be_visible()

    page.context.clear_cookies()
    log_in(page, live_server.url, "checker")
    for shown in ("My work", "Articles", "Review queue", "Export", "Admin"):
        expect(nav.get_by_role("link", name=shown)).to_be_visible()
    nav.get_by_role("link", name="Review queue").click()
    expect(page).to_have_url(re.compile("/admin/annotations/reviewqueue/"))


@pytest.mark.parametrize(
    ("fmt", "filename"), [("json", "desk-annotations.json"), ("w3c", "desk-annotations.jsonld")]
)
def test_the_export_screen_downloads_every_format_as_a_named_file(
    page: Page, live_server, fmt, filename
):
    desk = Project.objects.create(name="Desk", slug="desk")
    exporter(username="bot", project=desk)
    story = ArticleFactory(project=desk)
    AnnotationFactory(
        article=story, author=annotator(project=desk), status=Status.APPROVED, review_note="ok"
    )
    log_in(page, live_server.url, "bot")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Export").click()
    page.select_option("#ex-format", fmt)
    page.select_option("#ex-project", "desk")
    expect(page.locator("#export-count")).to_have_text("1 annotation will be exported.")
    with page.expect_download() as download:
        page.locator("#export-link").click()
    assert download.value.suggested_filename == filename
    assert json.loads(download.value.path().read_text(encoding="utf-8"))  # the export itself
