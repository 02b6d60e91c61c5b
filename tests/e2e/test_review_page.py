"""Browser: the review page puts the decision first and takes it from the keyboard."""

import pytest
from playwright.sync_api import Page, expect

from annotations.choices import Status
from annotations.models import Annotation
from tests.e2e.helpers import log_in
from tests.factories import AnnotationFactory, ArticleFactory, annotator, reviewer

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reviewer_decides_with_keys_and_sees_the_other_annotations_on_the_passage(
    page: Page, live_server, artifacts
):
    writer = annotator(username="writer")
    reviewer(username="checker")
    story = ArticleFactory()
    first = AnnotationFactory(article=story, author=writer, start=4, length=20, status="submitted")
    second = AnnotationFactory(article=story, author=writer, start=10, length=5, status="submitted")
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server.url, "checker")
    page.goto(f"{live_server.url}/admin/annotations/reviewqueue/{first.pk}/change/")
    expect(page.get_by_role("button", name="Approve")).to_be_in_viewport()  # above the fold
    expect(page.locator(".review-overlapping")).to_contain_text(second.quote)
    page.screenshot(path=artifacts / "review-page.png")
    page.keyboard.press("r")  # reject without a note: the note field asks for one
    expect(page.locator("#id_note")).to_be_focused()
    assert Annotation.objects.get(pk=first.pk).status == Status.SUBMITTED
    page.locator("body").click()
    page.keyboard.press("a")
    expect(page).to_have_url(f"{live_server.url}/admin/annotations/reviewqueue/{second.pk}/change/")
    assert Annotation.objects.get(pk=first.pk).status == Status.APPROVED
    page.keyboard.press("n")  # nothing else waits: the queue
    expect(page).to_have_url(f"{live_server.url}/admin/annotations/reviewqueue/{second.pk}/change/")
