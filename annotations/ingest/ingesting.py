"""Articles from the web: add by URL, follow feeds, re-fetch tracked articles to catch
corrections. The fetching runs as background jobs (django-tasks, database backend):

- `fetch_job` fetches one page (fetching.py), extracts it (extracting.py) and adds the article,
  or, for a re-fetch, stores a changed text as a new revision (revising.py re-anchors the
  annotations and sends the ones whose words changed back to their authors);
- `poll_feed_job` reads a feed and queues a fetch for each item never seen;
- `enqueue_due` (run by `manage.py worker` every half minute) queues the feeds and tracked
  articles whose time has come, claiming each row so several workers never queue one twice.

A job that meets a transient failure (a timeout, a 5xx) is queued again later, 1, 4 then 16
minutes on; anything else fails at once with its reason on the Fetch row, which admin shows.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import feedparser
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.access import permissions
from annotations.choices import FetchReason, FetchState, Role
from annotations.common import concurrency, inputs
from annotations.ingest import extracting, fetching
from annotations.models import Article, Feed, FeedItem, Fetch, Project, http_url_validator
from annotations.revisions import revising
from annotations.spans import anchoring, editing

try:  # Django 6 has the tasks framework built in; 5.2 has its backport.
    from django.tasks import task
except ImportError:  # pragma: no cover - the backport, on Django 5.2
    from django_tasks import task

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 60  # then 4x per attempt: 1, 4, 16 minutes


def clean_url(url: str, field: str = "url") -> str:
    """A URL as stored: normalised, without its fragment (the same page), http(s) only, and
    not an internal IP address on its face; a 400 naming `field` otherwise."""
    value = inputs.normalise_url(url or "").split("#", 1)[0]
    try:
        http_url_validator(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    host = fetching.internal_literal(value)
    if host is not None:
        raise ValidationError(
            {
                field: _(
                    "%(host)s is an internal address: the workbench fetches public pages only."
                )
                % {"host": host}
            }
        )
    return value


def existing_article(project: Project, url: str) -> Article | None:
    """The project's article for this page, found by its canonical or source URL."""
    return Article.objects.filter(project=project).at_address(url).first()


def add_url(
    *, user: AbstractBaseUser, project: Project, url: str, tracked: bool = False
) -> tuple[Article | None, Fetch | None]:
    """Bring a page into a project: (the article it already has, None) or (None, the fetch
    queued for it)."""
    if not permissions.can_create_article(user, project):
        raise PermissionDenied(_("You may not add articles to %(project)s.") % {"project": project})
    url = clean_url(url)
    found = existing_article(project, url)
    if found is not None:
        return found, None
    with transaction.atomic():
        fetch = Fetch.objects.create(
            project=project, url=url, reason=FetchReason.URL, requested_by=user, track=tracked
        )
        fetch_job.enqueue(fetch.pk)
    return None, fetch


def refetch(*, user: AbstractBaseUser, article: Article) -> Fetch:
    """Fetch a tracked (or any web) article again now, to catch a correction."""
    if not permissions.can_revise(user, article):
        raise PermissionDenied(_("You may not correct articles of this project."))
    return _queue_refetch(article, user)


def _queue_refetch(article: Article, user: Any) -> Fetch:
    url = article.source_url or article.canonical_url  # where it was found, then its own
    if not url:
        raise ValidationError({"article": _("This article did not come from the web.")})
    fetch = Fetch.objects.create(
        project_id=article.project_id,
        url=url,
        reason=FetchReason.REFETCH,
        requested_by=user,
        article=article,
    )
    fetch_job.enqueue(fetch.pk)
    return fetch


@task()
def fetch_job(fetch_id: int) -> str:
    """The background job: run one fetch; return what became of it (shown in admin)."""
    return run_fetch(fetch_id)


def run_fetch(fetch_id: int) -> str:
    """Run a queued fetch. Whatever happens, the row ends done, failed or queued again: an
    error nobody foresaw fails it with a sentence the desk can read, is logged with its
    traceback for the administrators, and still fails the job (admin shows it)."""
    try:
        return _run(fetch_id)
    except Exception as exc:
        logger.exception("Fetch %s failed", fetch_id)
        Fetch.objects.filter(pk=fetch_id, state=FetchState.RUNNING).update(
            state=FetchState.FAILED, error=failure_message(exc), finished_at=timezone.now()
        )
        raise


def failure_message(exc: Exception) -> str:
    """Say in words why a fetch failed: the desk reads it on the fetch row, where an
    exception's class name would tell them nothing."""
    if isinstance(
        exc, (fetching.FetchError, extracting.NothingExtracted, revising.RevisionConflict)
    ):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("Nobody who may add or correct articles asked for this page.")
    if isinstance(exc, IntegrityError):
        return _(
            "The article could not be stored: it clashes with an article the project already "
            "holds. Nothing was changed."
        )
    if isinstance(exc, (concurrency.Busy, DatabaseError)):
        return _(
            "The database was busy or unreachable while storing the article. Nothing was "
            "changed: fetch it again later."
        )
    return _(
        "Something went wrong inside the workbench while storing this page. Nothing was "
        "changed; the details are in the server log for the administrators."
    )


def _run(fetch_id: int) -> str:
    with transaction.atomic():
        fetch = Fetch.objects.select_for_update().filter(pk=fetch_id).first()
        if fetch is None or fetch.state in (FetchState.DONE, FetchState.FAILED):
            return "nothing to do"
        fetch.state = FetchState.RUNNING
        fetch.attempts += 1
        fetch.save(update_fields=["state", "attempts"])
    try:
        page = fetching.fetch(fetch.url)
        fetch.final_url = page.final_url[:2000]
        fetch.status_code = page.status
        fetch.content_type = page.content_type
        fetch.encoding = page.encoding
        fetch.fetched_at = timezone.now()
        fetch.html = page.content
        found = extracting.extract(page.text, page.final_url)
    except fetching.FetchError as exc:
        if exc.transient and fetch.attempts < MAX_ATTEMPTS:
            return _retry_later(fetch, exc.message)
        return _fail(fetch, exc.message)
    except extracting.NothingExtracted as exc:
        return _fail(fetch, failure_message(exc))
    try:
        if fetch.reason == FetchReason.REFETCH:
            outcome = _compare(fetch, found)
        else:
            outcome = _add(fetch, found)
    except (ValidationError, PermissionDenied) as exc:
        return _fail(fetch, failure_message(exc))
    fetch.state = FetchState.DONE
    fetch.outcome = outcome
    fetch.error = ""
    fetch.finished_at = timezone.now()
    fetch.save()
    return outcome


def _retry_later(fetch: Fetch, message: str) -> str:
    delay = BACKOFF_SECONDS * 4 ** (fetch.attempts - 1)
    fetch.state = FetchState.QUEUED
    fetch.error = message
    fetch.save()
    fetch_job.using(run_after=timezone.now() + dt.timedelta(seconds=delay)).enqueue(fetch.pk)
    return f"retry in {delay} s: {message}"


def _fail(fetch: Fetch, message: str) -> str:
    fetch.state = FetchState.FAILED
    fetch.error = message
    fetch.finished_at = timezone.now()
    fetch.save()
    return f"failed: {message}"


def _add(fetch: Fetch, found: extracting.Extracted) -> str:
    project = fetch.project
    canonical = clean_url(found.canonical_url, "canonical_url")
    for url in (canonical, fetch.url):
        same = existing_article(project, url)
        if same is not None:
            fetch.article = same
            return "existing"
    user = fetch.requested_by
    if user is None:
        raise PermissionDenied(_("Nobody who may add articles asked for this page any more."))
    try:
        with transaction.atomic():
            article = editing.create_article(
                user=user,
                project=project,
                title=found.title,
                body=found.text,
                byline=found.byline,
                publisher=found.site_name,
                published_on=found.published_on,
                source_url=fetch.url,
                canonical_url=canonical,
                site_name=found.site_name,
                tracked=fetch.track,
                next_refetch_at=_next_refetch() if fetch.track else None,
            )
    except IntegrityError:  # another fetch of the same page stored it a moment ago
        fetch.article = existing_article(project, canonical)
        return "existing"
    fetch.article = article
    return "added" + _same_story(article.duplicates().first())


def _same_story(other: Article | None) -> str:
    """What the fetch row adds when the article's title and text are another's of the project:
    kept (an address is its own article), and said, for the desk to decide."""
    return f"; the same title and text as article {other.pk}" if other is not None else ""


def _next_refetch() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=settings.REFETCH_HOURS)


def _compare(fetch: Fetch, found: extracting.Extracted) -> str:
    article = fetch.article
    if article is None:
        raise ValidationError({"article": _("The article was deleted.")})
    Article.objects.filter(pk=article.pk).update(next_refetch_at=_next_refetch())
    text = anchoring.normalise_body(found.text)
    if anchoring.body_hash(text) == article.body_hash:
        return "unchanged"
    user = _corrector(fetch, article)
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    note = _("Re-fetched %(when)s: the page changed") % {"when": when}
    other = article.duplicates(text).first()
    if other is not None:
        note += _("; it now has the same title and text as article %(id)s") % {"id": other.pk}
    revision = revising.add_revision(user=user, article=article, body=text, note=note)
    return f"changed: revision {revision.number}" + _same_story(other)


def _corrector(fetch: Fetch, article: Article) -> Any:
    """Who records a re-fetched correction: whoever asked for the fetch, else whoever added the
    article, else one of the project's managers. A correction is never lost because the person
    who once added the page has left the project."""
    managers = (
        get_user_model()
        .objects.filter(memberships__project_id=article.project_id, memberships__role=Role.MANAGER)
        .order_by("pk")
    )
    for user in (fetch.requested_by, article.created_by, *managers):
        if user is not None and permissions.can_revise(user, article):
            return user
    raise PermissionDenied(
        _("Nobody who may correct this project’s articles is left to record it.")
    )


# Feeds -----------------------------------------------------------------------------------


def follow_feed(
    *,
    user: AbstractBaseUser,
    project: Project,
    url: str,
    keywords: str = "",
    interval_minutes: int = 60,
) -> Feed:
    """Follow a feed in a project (its managers decide what comes in); polled at once."""
    if not permissions.can_manage(user, project):
        raise PermissionDenied(_("Only the project’s managers follow feeds."))
    url = clean_url(url)
    feed = Feed(
        project=project,
        url=url,
        keywords=keywords.strip(),
        interval_minutes=interval_minutes,
        created_by=user,
    )
    feed.full_clean()
    with transaction.atomic():
        feed.save()
        poll_feed_job.enqueue(feed.pk)
    return feed


def unfollow_feed(*, user: AbstractBaseUser, feed: Feed) -> None:
    """Stop following a feed; the articles it brought stay."""
    if not permissions.can_manage(user, feed.project):
        raise PermissionDenied(_("Only the project’s managers follow feeds."))
    feed.delete()


def _keywords(feed: Feed) -> list[str]:
    return [word.strip().casefold() for word in feed.keywords.split(",") if word.strip()]


@task()
def poll_feed_job(feed_id: int) -> str:
    return poll_feed(feed_id)


def poll_feed(feed_id: int) -> str:
    """Read a feed; queue a fetch for each new item (matching its keywords, if any).

    At most FEED_ITEMS_PER_POLL fetches a poll: the items after that are left unseen, for the
    next polls to take in turn, so a feed of thousands of items (a first poll, an archive
    dump) spreads its fetches over time rather than flooding the queue and the site.
    """
    feed = Feed.objects.select_related("project", "created_by").filter(pk=feed_id).first()
    if feed is None or not feed.active:
        return "nothing to do"
    now = timezone.now()
    feed.last_polled_at = now
    feed.next_poll_at = now + dt.timedelta(minutes=feed.interval_minutes)
    try:
        page = fetching.fetch(feed.url, accept=fetching.FEED_TYPES + fetching.HTML_TYPES)
    except fetching.FetchError as exc:
        feed.last_error = exc.message
        feed.save()
        return f"failed: {exc.message}"
    parsed = feedparser.parse(page.content)
    if parsed.bozo and not parsed.entries:
        feed.last_error = _("Not a feed this workbench can read.")
        feed.save()
        return f"failed: {feed.last_error}"
    feed.title = (parsed.feed.get("title") or feed.title)[:300]
    feed.last_error = ""
    words = _keywords(feed)
    cap = settings.FEED_ITEMS_PER_POLL
    queued = left = 0
    with transaction.atomic():
        feed.save()
        seen = set(FeedItem.objects.filter(feed=feed).values_list("key", flat=True))
        for entry in parsed.entries:
            link = entry.get("link")
            if not link:
                continue
            link = urljoin(page.final_url, link)
            key = (entry.get("id") or link)[:2000]
            if key in seen:
                continue
            if queued >= cap:
                left += 1
                continue
            seen.add(key)
            title = (entry.get("title") or "")[:500]
            said = f"{title} {entry.get('summary', '')}".casefold()
            matched = not words or any(word in said for word in words)
            item, made = FeedItem.objects.get_or_create(
                feed=feed,
                key=key,
                defaults={"link": link[:2000], "title": title, "matched": matched},
            )
            if not made or not matched:  # a poll running beside this one took it
                continue
            try:
                url = clean_url(link)
            except ValidationError:
                continue
            if existing_article(feed.project, url) is not None:
                continue
            item.fetch = Fetch.objects.create(
                project=feed.project,
                url=url,
                reason=FetchReason.FEED,
                requested_by=feed.created_by,
                feed=feed,
            )
            item.save(update_fields=["fetch"])
            fetch_job.enqueue(item.fetch.pk)
            queued += 1
    return f"{queued} new, {left} left for the next polls" if left else f"{queued} new"


# The schedule ----------------------------------------------------------------------------


def enqueue_due(now: dt.datetime | None = None) -> tuple[int, int]:
    """Queue every feed and tracked article whose time has come; return how many of each.

    Rows are claimed (locked, skipping rows another worker holds, and moved on to their next
    time) in the transaction that queues their jobs: several workers can run this at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        feeds = list(
            Feed.objects.select_for_update(skip_locked=True).filter(
                active=True, next_poll_at__lte=now
            )
        )
        for feed in feeds:
            Feed.objects.filter(pk=feed.pk).update(
                next_poll_at=now + dt.timedelta(minutes=feed.interval_minutes)
            )
            poll_feed_job.enqueue(feed.pk)
        articles = list(
            Article.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(tracked=True, next_refetch_at__lte=now)
            .select_related("created_by")
        )
        for article in articles:
            Article.objects.filter(pk=article.pk).update(next_refetch_at=_next_refetch())
            _queue_refetch(article, article.created_by)
    return len(feeds), len(articles)
