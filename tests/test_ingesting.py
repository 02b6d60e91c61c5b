"""Articles from the web (fetching.py, extracting.py, ingesting.py) against a local web server:
extraction of each field, encodings, de-duplication, feeds, re-fetches that become revisions,
the background worker with its retries, and every SSRF case."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import trafilatura
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from annotations.choices import FetchState, Role, Status
from annotations.ingest import fetching, ingesting
from annotations.models import Annotation, Article, Feed, FeedItem, Fetch, Project
from tests import factories
from tests.websites import Server, huge, slow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def web(settings):
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # the test server, nothing else
    settings.FETCH_TIMEOUT = 2
    with Server() as server:
        yield server


@pytest.fixture
def desk():
    project = Project.objects.create(name="Desk", slug="desk")
    editor = factories.UserFactory(username="editor")
    for role in (Role.ANNOTATOR, Role.MANAGER):
        project.memberships.create(user=editor, role=role)
    return project, editor


def work() -> None:
    """Run the queued jobs with the real worker, as `make worker` does, then return."""
    call_command("worker", "--batch", verbosity=0)


def add(desk, url, **kwargs):
    project, editor = desk
    return ingesting.add_url(user=editor, project=project, url=url, **kwargs)


def test_a_page_becomes_an_article_with_its_metadata(web, desk):
    existing, fetch = add(desk, web.url("/news/bridge.html"))
    assert existing is None and fetch.state == FetchState.QUEUED
    work()
    fetch.refresh_from_db()
    assert (fetch.state, fetch.outcome, fetch.error) == (FetchState.DONE, "added", "")
    article = fetch.article
    assert article.title == "Harbour Bridge to open in May, says mayor"
    assert article.body.startswith("The new Harbour Bridge will open to traffic in May")
    assert "\n\nOfficials denied reports" in article.body
    assert "Most read" not in article.body and "All rights reserved" not in article.body
    assert (article.byline, article.published_on) == ("Ana Ruiz", dt.date(2026, 3, 14))
    assert (article.site_name, article.publisher) == ("The Test Gazette", "The Test Gazette")
    assert article.canonical_url == web.url("/news/harbour-bridge")
    assert article.source_url == web.url("/news/bridge.html")
    # Provenance: the page as it came, and when.
    assert fetch.html == (web.site.routes["/news/bridge.html"][2])
    assert fetch.fetched_at is not None and fetch.content_type == "text/html"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.parametrize(
    ("path", "words", "encoding"),
    [
        ("/news/most.html", "Новый мост через гавань откроют", "windows-1251"),
        ("/news/hashi.html", "港に架かる新しい橋は予定より", "shift_jis"),
        ("/news/noticia.html", "Los carriles bici protegidos", "utf-8"),
    ],
)
def test_declared_encodings_and_languages(web, path, words, encoding):
    page = fetching.fetch(web.url(path))
    assert page.encoding.replace("-", "_") == encoding.replace("-", "_")
    found = ingesting.extracting.extract(page.text, page.final_url)
    assert words in found.text


def test_json_ld_metadata_and_og_url(web, desk):
    _, fetch = add(desk, web.url("/news/noticia.html"))
    work()
    article = Fetch.objects.get(pk=fetch.pk).article
    assert article.canonical_url == "https://diario.example/local/carriles-bici"
    assert (article.byline, article.published_on) == ("José Núñez", dt.date(2026, 5, 2))
    assert article.site_name == "Diario de Prueba"


def test_the_same_page_twice_opens_the_existing_article(web, desk):
    _, fetch = add(desk, web.url("/news/bridge.html"))
    work()
    article = Fetch.objects.get(pk=fetch.pk).article
    again, none = add(desk, web.url("/news/bridge.html#comments"))
    assert (again, none) == (article, None)
    # Through a redirect, found by the page's canonical URL once fetched.
    _, redirected = add(desk, web.url("/to-bridge"))
    work()
    redirected.refresh_from_db()
    assert (redirected.outcome, redirected.article) == ("existing", article)
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/news/video.html", "No article text was found"),
        ("/doc.pdf", "application/pdf, not a web page"),
        ("/missing.html", "answered 404"),
        ("/loop", "Too many redirects"),
    ],
)
def test_pages_that_are_not_articles_fail_with_a_reason(web, desk, path, message):
    _, fetch = add(desk, web.url(path))
    work()
    fetch.refresh_from_db()
    assert fetch.state == FetchState.FAILED and message in fetch.error
    assert not Article.objects.exists()


def test_a_50_mb_page_is_cut_off(web, desk, settings):
    web.site.serve_stream("/huge.html", huge(50))
    with pytest.raises(fetching.FetchError, match="larger than 10 MB"):
        fetching.fetch(web.url("/huge.html"))
    assert settings.FETCH_MAX_BYTES == 10_000_000


def test_a_slow_page_times_out_and_is_retried_later(web, desk, settings):
    settings.FETCH_TIMEOUT = 1
    web.site.serve_stream("/slow.html", slow(3))
    _, fetch = add(desk, web.url("/slow.html"))
    before = timezone.now()
    work()
    fetch.refresh_from_db()
    assert (fetch.state, fetch.attempts) == (FetchState.QUEUED, 1)
    assert "too long" in fetch.error or "in time" in fetch.error
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after >= before + dt.timedelta(seconds=60)
    # The last attempt gives up.
    Fetch.objects.filter(pk=fetch.pk).update(attempts=ingesting.MAX_ATTEMPTS - 1)
    assert ingesting.run_fetch(fetch.pk).startswith("failed")
    assert Fetch.objects.get(pk=fetch.pk).state == FetchState.FAILED


def test_an_outage_is_retried_with_back_off(web, desk):
    _, fetch = add(desk, web.url("/down.html"))
    work()
    fetch.refresh_from_db()
    assert fetch.state == FetchState.QUEUED and "503" in fetch.error
    Fetch.objects.filter(pk=fetch.pk).update(attempts=2)
    ingesting.run_fetch(fetch.pk)
    latest = DBTaskResult.objects.filter(status="READY").order_by("-run_after").first()
    assert latest.run_after >= timezone.now() + dt.timedelta(minutes=15)


# SSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://localhost/",  # a host name that resolves internally
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_internal_addresses_are_refused(url, settings):
    settings.FETCH_ALLOWED_NETWORKS = []
    with pytest.raises(fetching.FetchError, match="internal address") as refused:
        fetching.fetch(url)
    assert not refused.value.transient


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/file", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("http://user:secret@example.org/", "user name or password"),
    ],
)
def test_other_schemes_and_credentials_are_refused(url, message):
    with pytest.raises(fetching.FetchError, match=message):
        fetching.fetch(url)


def test_the_local_server_is_refused_unless_allowed(web, settings):
    settings.FETCH_ALLOWED_NETWORKS = []
    with pytest.raises(fetching.FetchError, match="internal address"):
        fetching.fetch(web.url("/news/bridge.html"))
    assert web.site.hits.get("/news/bridge.html") is None  # never connected


@pytest.mark.parametrize("path", ["/to-metadata", "/to-private"])
def test_a_redirect_to_an_internal_address_is_refused(web, path):
    with pytest.raises(fetching.FetchError, match="internal address"):
        fetching.fetch(web.url(path))


def test_a_url_that_is_not_http_gets_a_clear_error(desk):
    with pytest.raises(ValidationError) as refused:
        add(desk, "javascript:alert(1)")
    assert "url" in refused.value.message_dict
    assert not Fetch.objects.exists()


def test_only_members_who_add_articles_may(web, desk):
    project, _ = desk
    outsider = factories.UserFactory(username="outsider")
    with pytest.raises(PermissionDenied):
        ingesting.add_url(user=outsider, project=project, url=web.url("/news/bridge.html"))


# Feeds -------------------------------------------------------------------------------------


def test_a_feed_adds_each_new_item_once(web, desk):
    project, editor = desk
    feed = ingesting.follow_feed(user=editor, project=project, url=web.url("/feed.xml"))
    work()
    feed.refresh_from_db()
    assert feed.title == "The Test Gazette: news" and feed.last_error == ""
    assert FeedItem.objects.filter(feed=feed).count() == 3
    titles = set(Article.objects.values_list("title", flat=True))
    assert titles == {
        "Harbour Bridge to open in May, says mayor",
        "El ayuntamiento asegura que los carriles bici redujeron los accidentes",
    }  # the third item is a video page: its fetch failed with the reason
    assert Fetch.objects.filter(state=FetchState.FAILED).count() == 1
    # The feed grows by one item; the old ones are not fetched again.
    feed_xml = web.site.routes["/feed.xml"][2].replace(
        b"</channel>",
        b"<item><title>Mayor: bridge in May</title><link>/news/most.html</link>"
        b"<guid>gazette-4</guid></item></channel>",
    )
    web.site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed_xml)
    hits = web.site.hits["/news/bridge.html"]
    assert ingesting.enqueue_due(timezone.now() + dt.timedelta(hours=2)) == (1, 0)
    work()
    assert Article.objects.count() == 3
    assert web.site.hits["/news/bridge.html"] == hits
    assert FeedItem.objects.filter(feed=feed).count() == 4


def test_a_feed_with_keywords_takes_only_matching_items(web, desk):
    project, editor = desk
    ingesting.follow_feed(
        user=editor, project=project, url=web.url("/feed.xml"), keywords="bici, tram"
    )
    work()
    assert list(Article.objects.values_list("site_name", flat=True)) == ["Diario de Prueba"]
    assert FeedItem.objects.filter(matched=False).count() == 2


def test_only_managers_follow_feeds(web, desk):
    project, _ = desk
    writer = factories.annotator(project, username="writer")
    with pytest.raises(PermissionDenied):
        ingesting.follow_feed(user=writer, project=project, url=web.url("/feed.xml"))
    assert not Feed.objects.exists()


def test_two_schedulers_never_queue_one_feed_twice(web, desk):
    project, editor = desk
    Feed.objects.create(project=project, url=web.url("/feed.xml"), created_by=editor)
    later = timezone.now() + dt.timedelta(minutes=1)
    assert ingesting.enqueue_due(later) == (1, 0)
    assert ingesting.enqueue_due(later) == (0, 0)  # claimed: its next poll is an hour on


# Corrections -------------------------------------------------------------------------------


def test_a_tracked_article_that_changed_gets_a_revision(web, desk, client):
    _project, editor = desk
    page = (web.site.routes["/news/bridge.html"][2]).decode()
    web.site.serve_text("/news/live.html", page)
    _, fetch = add(desk, web.url("/news/live.html"), tracked=True)
    work()
    article = Fetch.objects.get(pk=fetch.pk).article
    assert article.tracked and article.next_refetch_at > timezone.now()
    start = article.body.index("Officials denied")
    claim = factories.AnnotationFactory(
        article=article, author=editor, start=start, length=len("Officials denied reports")
    )
    # Nothing changed: no revision.
    ingesting.refetch(user=editor, article=article)
    work()
    assert Fetch.objects.filter(reason="refetch").get().outcome == "unchanged"
    # The page is corrected; the schedule catches it.
    web.site.serve_text("/news/live.html", page.replace("12 per cent", "14 per cent"))
    due = timezone.now() + dt.timedelta(hours=25)
    assert ingesting.enqueue_due(due) == (0, 1)
    work()
    article.refresh_from_db()
    assert article.revision == 2 and "14 per cent" in article.body
    latest = article.revisions.get(number=2)
    assert latest.note.startswith("Re-fetched")
    claim.refresh_from_db()
    assert (claim.revision, claim.quote) == (2, "Officials denied reports")
    assert Fetch.objects.filter(outcome="changed: revision 2").exists()
    # Whoever annotated it is told, on My work.
    client.force_login(editor)
    work_page = client.get("/work/").content.decode()
    assert "Corrected since you annotated them" in work_page and article.title in work_page


def test_a_re_fetch_needs_an_article_from_the_web(desk):
    project, editor = desk
    article = factories.ArticleFactory(project=project)
    with pytest.raises(ValidationError, match="did not come from the web"):
        ingesting.refetch(user=editor, article=article)


def test_a_submitted_annotation_survives_a_re_fetch(web, desk):
    """The annotators' work is re-anchored on the new text, never silently misplaced."""
    _project, editor = desk
    page = (web.site.routes["/news/bridge.html"][2]).decode()
    web.site.serve_text("/news/story.html", page)
    _, fetch = add(desk, web.url("/news/story.html"), tracked=True)
    work()
    article = Fetch.objects.get(pk=fetch.pk).article
    start = article.body.index("budget had grown by 12 per cent")
    claim = factories.AnnotationFactory(
        article=article,
        author=editor,
        start=start,
        length=len("budget had grown by 12 per cent"),
        status=Status.SUBMITTED,
    )
    web.site.serve_text("/news/story.html", page.replace("12 per cent", "15 per cent"))
    ingesting.refetch(user=editor, article=article)
    work()
    claim = Annotation.objects.get(pk=claim.pk)
    assert claim.anchor != "anchored" or claim.quote != "budget had grown by 12 per cent"


# Faces: the API, the page, the command ------------------------------------------------------


def test_the_api_adds_by_url_and_reports_the_fetch(web, desk, client_for):
    _project, editor = desk
    client = client_for(editor)
    url = web.url("/news/bridge.html")
    answer = client.post("/api/v1/articles/", {"url": url, "project": "desk"}, format="json")
    assert answer.status_code == 202, answer.content
    fetch = answer.json()
    assert answer["Location"].endswith(f"/api/v1/fetches/{fetch['id']}/")
    assert (fetch["state"], fetch["url"], fetch["article"]) == ("queued", url, None)
    work()
    done = client.get(f"/api/v1/fetches/{fetch['id']}/").json()
    assert (done["state"], done["outcome"]) == ("done", "added")
    again = client.post("/api/v1/articles/", {"url": url}, format="json")
    assert again.status_code == 200 and again.json()["id"] == done["article"]
    bad = client.post("/api/v1/articles/", {"url": "gopher://x.example/"}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()["errors"]
    refetched = client.post(f"/api/v1/articles/{done['article']}/refetch/")
    assert refetched.status_code == 202 and refetched.json()["reason"] == "refetch"


def test_the_api_follows_feeds_for_managers_only(web, desk, client_for):
    project, editor = desk
    writer = factories.annotator(project, username="writer")
    body = {"url": web.url("/feed.xml"), "project": "desk", "keywords": "bridge"}
    assert client_for(writer).post("/api/v1/feeds/", body, format="json").status_code == 403
    answer = client_for(editor).post("/api/v1/feeds/", body, format="json")
    assert answer.status_code == 201 and answer.json()["keywords"] == "bridge"
    listed = client_for(writer).get("/api/v1/feeds/").json()
    assert [f["url"] for f in listed["results"]] == [web.url("/feed.xml")]


def test_the_page_adds_by_url_and_follows_the_fetch(web, desk, client):
    _project, editor = desk
    client.force_login(editor)
    form = client.get("/articles/from-url/", {"url": web.url("/news/bridge.html")})
    assert web.url("/news/bridge.html") in form.content.decode()  # the bookmarklet's landing
    answer = client.post(
        "/articles/from-url/",
        {"url": web.url("/news/bridge.html"), "project": _project.pk},
    )
    assert answer.status_code == 302 and answer["Location"].startswith("/fetches/")
    waiting = client.get(answer["Location"]).content.decode()
    assert "Waiting for a worker" in waiting and 'http-equiv="refresh"' in waiting
    work()
    done = client.get(answer["Location"]).content.decode()
    assert "Open “Harbour Bridge to open in May, says mayor”" in done
    assert 'http-equiv="refresh"' not in done
    bad = client.post("/articles/from-url/", {"url": "not a url", "project": _project.pk})
    assert bad.status_code == 200 and "field-error" in bad.content.decode()


def test_import_urls_names_a_bad_line_and_queues_nothing(web, desk, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# desk reading\n{web.url('/news/bridge.html')}\nmailto:x@example.org\n")
    with pytest.raises(CommandError, match=r"urls.txt:3: "):
        call_command("import_urls", str(listing), "--project=desk", "--as=editor")
    assert not Fetch.objects.exists()
    listing.write_text(f"{web.url('/news/bridge.html')}\n\n{web.url('/news/noticia.html')}\n")
    call_command("import_urls", str(listing), "--project=desk", "--as=editor", "--now")
    assert Article.objects.count() == 2


def _syndicated(page: str, canonical: str) -> str:
    """The same story as another site carries it: its own address, the same title and text."""
    return page.replace('href="/news/harbour-bridge"', f'href="{canonical}"')


def test_a_correction_that_makes_the_story_another_articles_is_stored_and_said(web, desk, client):
    """Syndication: a wire's copy is corrected into the very text the desk holds from another
    address. The revision is stored, and the fetch row and the article page say so."""
    project, editor = desk
    page = (web.site.routes["/news/bridge.html"][2]).decode()
    _, original = add(desk, web.url("/news/bridge.html"))
    web.site.serve_text(
        "/wire/bridge.html",
        _syndicated(page, "/wire/harbour-bridge").replace("12 per cent", "11 per cent"),
    )
    _, copy = add(desk, web.url("/wire/bridge.html"), tracked=True)
    work()
    original, copy = (Fetch.objects.get(pk=f.pk).article for f in (original, copy))
    assert original != copy and copy.title == original.title and copy.body != original.body
    manager = factories.UserFactory(username="desk-chief")
    project.memberships.create(user=manager, role=Role.MANAGER)
    start = copy.body.index("budget had grown by 11 per cent")
    claim = factories.AnnotationFactory(
        article=copy, author=editor, start=start, length=len("budget had grown by 11 per cent")
    )
    # The wire corrects its copy: it is now word for word the article the desk already has.
    web.site.serve_text("/wire/bridge.html", _syndicated(page, "/wire/harbour-bridge"))
    ingesting.refetch(user=editor, article=copy)
    work()
    refetch = Fetch.objects.get(reason="refetch")
    assert refetch.state == FetchState.DONE, refetch.error
    assert refetch.outcome.startswith("changed: revision 2")
    assert f"article {original.pk}" in refetch.outcome
    copy.refresh_from_db()
    assert (copy.revision, copy.body) == (2, original.body)
    claim.refresh_from_db()
    assert claim.anchor == "proposed" or claim.quote != "budget had grown by 11 per cent"
    # The annotator and the project's manager are told, on My work.
    for person in (editor, manager):
        client.force_login(person)
        told = client.get("/work/").content.decode()
        assert copy.title in told and "revision 2" in told
    # The article page says which article it duplicates.
    shown = client.get(f"/articles/{copy.pk}/").content.decode()
    assert "duplicate-notice" in shown and f"/articles/{original.pk}/" in shown


def test_the_same_story_at_two_addresses_is_two_articles(web, desk):
    page = (web.site.routes["/news/bridge.html"][2]).decode()
    web.site.serve_text("/wire/bridge.html", _syndicated(page, "/wire/harbour-bridge"))
    _, first = add(desk, web.url("/news/bridge.html"))
    _, second = add(desk, web.url("/wire/bridge.html"))
    work()
    first, second = (Fetch.objects.get(pk=f.pk) for f in (first, second))
    assert (first.outcome, second.state) == ("added", FetchState.DONE)
    assert second.outcome == f"added; the same title and text as article {first.article_id}"
    assert Article.objects.count() == 2


def test_an_unexpected_failure_is_said_in_words_and_logged(web, desk, monkeypatch, caplog):
    """A defect in a library the fetch relies on: the row says what happened in a sentence,
    never an exception's class name, and the details go to the log."""

    def broken(*args, **kwargs):
        raise RuntimeError("lxml went away")

    monkeypatch.setattr(trafilatura, "bare_extraction", broken)
    _, fetch = add(desk, web.url("/news/bridge.html"))
    with (
        caplog.at_level(logging.ERROR, logger="annotations.ingest.ingesting"),
        pytest.raises(RuntimeError),
    ):
        ingesting.run_fetch(fetch.pk)
    fetch.refresh_from_db()
    assert fetch.state == FetchState.FAILED
    assert "RuntimeError" not in fetch.error and "unexpectedly" not in fetch.error
    assert fetch.error.endswith(".") and "log" in fetch.error
    assert any(r.exc_info and "lxml went away" in str(r.exc_info[1]) for r in caplog.records)


def test_a_correction_is_stored_when_whoever_added_the_page_has_left(web, desk):
    """The schedule re-fetches in the name of whoever added the article; once they have left
    the project, one of its managers records the correction instead of it being lost."""
    project, editor = desk
    page = (web.site.routes["/news/bridge.html"][2]).decode()
    web.site.serve_text("/news/live.html", page)
    _, fetch = add(desk, web.url("/news/live.html"), tracked=True)
    work()
    article = Fetch.objects.get(pk=fetch.pk).article
    chief = factories.UserFactory(username="desk-chief")
    project.memberships.create(user=chief, role=Role.MANAGER)
    project.memberships.filter(user=editor).delete()
    web.site.serve_text("/news/live.html", page.replace("12 per cent", "14 per cent"))
    assert ingesting.enqueue_due(timezone.now() + dt.timedelta(hours=25)) == (0, 1)
    work()
    refetch = Fetch.objects.get(reason="refetch")
    assert (refetch.state, refetch.outcome) == (FetchState.DONE, "changed: revision 2"), (
        refetch.error
    )
    assert article.revisions.get(number=2).created_by == chief


def test_a_big_feed_is_taken_in_turns_a_capped_number_of_fetches_a_poll(web, desk, settings):
    settings.FEED_ITEMS_PER_POLL = 40
    items = "".join(
        f"<item><title>Story {n}</title><link>/news/story-{n}.html</link>"
        f"<guid>big-{n}</guid></item>"
        for n in range(100)
    )
    feed_xml = f"<rss version='2.0'><channel><title>Big</title>{items}</channel></rss>"
    web.site.routes["/big.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed_xml.encode())
    project, editor = desk
    feed = ingesting.follow_feed(user=editor, project=project, url=web.url("/big.xml"))
    assert ingesting.poll_feed(feed.pk) == "40 new, 60 left for the next polls"
    assert Fetch.objects.count() == 40
    assert ingesting.poll_feed(feed.pk) == "40 new, 20 left for the next polls"
    assert ingesting.poll_feed(feed.pk) == "20 new"
    assert ingesting.poll_feed(feed.pk) == "0 new"
    urls = list(Fetch.objects.values_list("url", flat=True))
    assert len(urls) == len(set(urls)) == 100
    assert FeedItem.objects.filter(feed=feed).count() == 100
