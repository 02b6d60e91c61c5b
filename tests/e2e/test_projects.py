"""Browser: an annotator's day across projects: My work, the switcher, guidelines, mark done."""

import pytest
from playwright.sync_api import Page, expect

from annotations.choices import Status
from annotations.models import Annotation, Assignment, Project
from tests.e2e.helpers import log_in, tag_with_key
from tests.factories import ArticleFactory, annotator

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
