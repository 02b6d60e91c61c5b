"""Browser: two annotators annotate the same article blind, a curator adjudicates it."""

import pytest
from playwright.sync_api import Page, expect

from annotations.choices import AssignmentState, Origin, Status
from annotations.models import Annotation, Assignment, Project
from tests.e2e.helpers import log_in, select_text, tag_with_key
from tests.factories import ArticleFactory, annotator, reviewer

pytestmark = pytest.mark.django_db(transaction=True)

BODY = (
    "McCaul stated the bridge opened in May. Officials denied it on Tuesday. "
    "The budget grew by 12% last year."
)


def annotate(page: Page, base: str, username: str, article, spans) -> None:
    log_in(page, base, username)
    page.goto(f"{base}/articles/{article.pk}/")
    expect(page.locator("body.js-ready")).to_have_count(1)
    for text, key in spans:
        tag_with_key(page, text, key)
    page.get_by_role("link", name="Mark done").click()
    page.get_by_role("button", name="Mark done and submit").click()
    expect(page.locator(".alert")).to_contain_text("submitted")
    page.context.clear_cookies()


def test_two_annotators_and_a_curator(page: Page, live_server, artifacts):
    study = Project.objects.create(name="Study", slug="study", annotators_per_article=2, blind=True)
    people = [annotator(study, username=name) for name in ("ann", "bob")]
    reviewer(study, username="carla")
    article = ArticleFactory(project=study, title="Bridge", body=BODY)
    for person in people:
        Assignment.objects.create(article=article, annotator=person)
    base = live_server.url

    annotate(
        page, base, "ann", article, [("McCaul stated", "3"), ("the bridge opened in May", "1")]
    )
    # ann may not see the adjudication screen (she works blind; she is no reviewer).
    log_in(page, base, "ann")
    answer = page.goto(f"{base}/articles/{article.pk}/adjudicate/")
    assert answer.status == 403
    page.context.clear_cookies()
    annotate(
        page,
        base,
        "bob",
        article,
        [("McCaul stated", "3"), ("bridge opened in May", "1"), ("Officials denied it", "2")],
    )
    assert set(Assignment.objects.values_list("state", flat=True)) == {AssignmentState.DONE}

    log_in(page, base, "carla")
    page.goto(f"{base}/articles/{article.pk}/adjudicate/")
    expect(page.locator("body.js-ready")).to_have_count(1)
    page.get_by_role("button", name="Start adjudication").click()
    # The agreed attribution is in the set already; two disagreements wait, side by side.
    expect(page.locator("#adjudicated-set .set-item")).to_have_count(1)
    expect(page.locator("#adjudicated-set")).to_contain_text("McCaul stated")
    clusters = page.locator(".cluster.disputed")
    expect(clusters).to_have_count(2)
    claim = clusters.nth(0)
    expect(claim.locator(".column")).to_have_count(2)
    expect(claim.locator(".column").nth(0)).to_contain_text("the bridge opened in May")
    expect(claim.locator(".column").nth(1)).to_contain_text("bridge opened in May")
    expect(page.locator("#open-count")).to_have_text("3 undecided")
    expect(page.get_by_role("button", name="Finish adjudication")).to_be_disabled()
    page.screenshot(path=artifacts / "adjudication-open.png", full_page=True)

    claim.locator(".decision").nth(0).get_by_role("button", name="Accept", exact=True).click()
    expect(page.locator("#open-count")).to_have_text("1 undecided")  # bob's claim turned down
    denial = page.locator(".cluster.disputed").nth(1)
    denial.get_by_role("button", name="Reject").click()
    expect(page.locator("#open-count")).to_have_text("0 undecided")
    # A span nobody drew.
    select_text(page, "The budget grew by 12%")
    expect(page.locator("#toolbar")).to_be_visible()
    page.locator("#toolbar").get_by_role("button", name="Claim").click()
    expect(page.locator("#adjudicated-set .set-item")).to_have_count(3)
    expect(page.locator("#adjudicated-set")).to_contain_text("added by the curator")
    expect(page.locator("#article-body mark.hl")).to_have_count(3)
    page.screenshot(path=artifacts / "adjudication-decided.png", full_page=True)
    page.get_by_role("button", name="Finish adjudication").click()
    expect(page.locator("#adjudication-status")).to_contain_text("finished")
    expect(page.get_by_role("button", name="Finish adjudication")).to_have_count(0)

    adjudicated = dict(
        Annotation.objects.filter(origin=Origin.ADJUDICATION).values_list("quote", "status")
    )
    assert adjudicated == {
        "McCaul stated": Status.APPROVED,
        "the bridge opened in May": Status.APPROVED,
        "The budget grew by 12%": Status.SUBMITTED,
    }
    own = dict(
        Annotation.objects.filter(origin=Origin.ANNOTATOR, author__username="bob").values_list(
            "quote", "status"
        )
    )
    assert own == {
        "McCaul stated": Status.APPROVED,
        "bridge opened in May": Status.REJECTED,
        "Officials denied it": Status.REJECTED,
    }
    # Blind mode is over for the article: ann now sees bob's work.
    page.context.clear_cookies()
    log_in(page, base, "ann")
    page.goto(f"{base}/articles/{article.pk}/")
    expect(page.locator("#article-body")).to_contain_text("Officials")
    expect(page.locator("#annotation-list")).to_contain_text("Officials denied it")
    # The adjudicated span says where it came from.
    page.locator("#annotation-list .list-item", has_text="carla").filter(
        has_text="the bridge opened in May"
    ).first.click()
    expect(page.locator("#card")).to_contain_text("adjudicated by carla from ann")
