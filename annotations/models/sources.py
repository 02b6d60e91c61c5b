"""Articles from the web: each fetch (the job and its provenance), followed feeds, their items."""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from annotations.choices import FetchReason, FetchState
from annotations.models.content import Article, WebURLField
from annotations.models.projects import Project
from annotations.models.querysets import ProjectScopedQuerySet, ThroughFeed


class Fetch(models.Model):
    """One page brought in: a URL someone added, a feed's new item, or a tracked article's
    scheduled re-fetch. The row is the job's state while it runs and the article's provenance
    afterwards: what was asked for, where it led, when, and the HTML as it came (compressed)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fetches")
    url = WebURLField(max_length=2000)
    reason = models.CharField(max_length=10, choices=FetchReason.choices)
    state = models.CharField(max_length=10, choices=FetchState.choices, default=FetchState.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feed = models.ForeignKey(
        "annotations.Feed", null=True, blank=True, on_delete=models.SET_NULL, related_name="fetches"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="fetches"
    )
    track = models.BooleanField(default=False, help_text="Re-fetch the article on a schedule.")
    outcome = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What came back.
    final_url = models.URLField(max_length=2000, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    encoding = models.CharField(max_length=40, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    html_compressed = models.BinaryField(blank=True, default=b"", editable=False)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("fetch")
        verbose_name_plural = gettext_lazy("fetches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=FetchReason.values), name="fetch_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=FetchState.values), name="fetch_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="fetch_project_idx")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.url}"

    @property
    def html(self) -> bytes:
        return zlib.decompress(self.html_compressed) if self.html_compressed else b""

    @html.setter
    def html(self, content: bytes) -> None:
        self.html_compressed = zlib.compress(content, 6)


class Feed(models.Model):
    """An RSS or Atom feed a project follows: new items become articles, each once."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="feeds")
    url = WebURLField(max_length=2000)
    title = models.CharField(max_length=300, blank=True)
    keywords = models.CharField(
        max_length=500,
        blank=True,
        help_text="Only items whose title or summary holds one of these words (comma-separated); "
        "empty: every item.",
    )
    active = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(default=60)
    next_poll_at = models.DateTimeField(default=timezone.now)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("feed")
        verbose_name_plural = gettext_lazy("feeds")
        ordering = ["project", "url"]
        constraints = [
            models.UniqueConstraint(fields=["project", "url"], name="feed_url_once"),
            models.CheckConstraint(condition=Q(interval_minutes__gte=5), name="feed_interval_min"),
        ]
        indexes = [models.Index(fields=["active", "next_poll_at"], name="feed_due_idx")]

    def __str__(self) -> str:
        return self.title or self.url


class FeedItem(models.Model):
    """An item a feed has shown, by its id (or link): seen once, never fetched twice."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=2000)
    link = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    matched = models.BooleanField(default=True)
    fetch = models.ForeignKey(Fetch, null=True, blank=True, on_delete=models.SET_NULL)
    seen_at = models.DateTimeField(default=timezone.now)

    objects = ThroughFeed.as_manager()

    class Meta:
        verbose_name = gettext_lazy("feed item")
        verbose_name_plural = gettext_lazy("feed items")
        ordering = ["-seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["feed", "key"], name="feed_item_once")]

    def __str__(self) -> str:
        return self.title or self.link
