"""Browser: a published verdict is corrected through a second person. A fact-checker proposes
the correction on the verdict page; the public keeps the published rating until another
reviewer approves it in admin."""

import datetime as dt
import json

import pytest
from playwright.sync_api import Browser, Page, expect

from annotations.choices import Label, Status
from annotations.models import Project, Verdict
from annotations.verdicts import verdicting
from tests.e2e.helpers import log_in, logged_in
from tests.factories import PASSWORD, AnnotationFactory, ArticleFactory, annotator, reviewer

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "Ferry fares will double next spring, McCaul stated on Monday."


def published_verdict() -> Verdict:
    project = Project.objects.create(
        name="Desk",
        slug="desk",
        publisher_name="The Test Gazette Fact Check",
        publisher_url="https://gazette.example/factcheck",
    )
    checker = annotator(project, username="checker")
    editor = reviewer(project, username="editor")
    reviewer(project, username="second")
    article = ArticleFactory(
        project=project, body=BODY, source_url="https://news.example/fares",
        published_on=dt.date(2026, 3, 14),
    )  # fmt: skip
    claim = AnnotationFactory(
        article=article, author=checker, label=Label.CLAIM, start=0, length=35,
        status=Status.APPROVED, review_note="",
    )  # fmt: skip
    verdict = verdicting.draft(
        user=checker,
        claim=claim,
        rating=verdicting.rating_named(project, "False"),
        claimant="McCaul",
        review_url="https://gazette.example/factcheck/ferry-fares",
    )
    for step, who in (("submit", checker), ("approve", editor), ("publish", editor)):
        verdict = verdicting.perform(step, verdict=verdict, user=who)
    return verdict


def public_rating(page: Page, base_url: str) -> str:
    feed = json.loads(page.request.get(f"{base_url}/feeds/desk/claimreviews.json").text())
    return feed["dataFeedElement"][0]["reviewRating"]["alternateName"]


def test_a_correction_proposed_on_the_page_goes_public_once_another_reviewer_approves_it(
    page: Page, browser: Browser, live_server
):
    verdict = published_verdict()
    log_in(page, live_server.url, "checker")
    page.goto(f"{live_server.url}/verdicts/{verdict.pk}/")
    page.select_option("#correction_rating", label="Mostly false")
    page.fill("#correction_note", "The memo says half, not double.")
    page.get_by_role("button", name="Propose the correction").click()
    pending = page.locator("#pending-correction")
    expect(pending).to_contain_text("Mostly false")
    expect(pending).to_contain_text("The memo says half, not double.")
    assert public_rating(page, live_server.url) == "False"

    context, admin = logged_in(browser, live_server.url, "second", PASSWORD)
    admin.goto(f"{live_server.url}/admin/annotations/verdict/{verdict.pk}/change/")
    admin.get_by_role("button", name="Approve the correction").click()
    expect(admin.locator(".messagelist .success")).to_have_text("Approved")
    context.close()

    assert public_rating(page, live_server.url) == "Mostly false"
    page.reload()
    expect(page.locator("#pending-correction")).to_have_count(0)
    expect(page.locator(".history-correction")).to_contain_text("decided by second")
    assert Verdict.objects.get().modified_at is not None
