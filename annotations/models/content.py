"""The fact-check domain: articles, annotated spans, their links, evidence and review events."""

from __future__ import annotations

import operator
from functools import reduce
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy

from annotations.choices import Anchor, Label, LinkKind, Origin, Stance, Status
from annotations.common.inputs import normalise_url
from annotations.models.history import History
from annotations.models.querysets import (
    AnnotationQuerySet,
    ArticleQuerySet,
    EvidenceQuerySet,
    ThroughAnnotation,
    ThroughArticle,
    ThroughSource,
)
from annotations.spans import anchoring, linking


@deconstructible
class HttpURLValidator(URLValidator):
    """An http(s) URL whose port, if it has one, exists (URLValidator takes any five digits)."""

    def __call__(self, value) -> None:
        super().__call__(value)
        try:
            port = urlsplit(value).port
        except ValueError:
            port = 0
        if port is not None and not 1 <= port <= 65535:
            raise ValidationError(self.message, code=self.code, params={"value": value})


# javascript:, data: and other schemes are never stored: URLs are rendered as links downstream.
http_url_validator = HttpURLValidator(schemes=["http", "https"])
_HTTP_URL = Q(url__istartswith="http://") | Q(url__istartswith="https://")


class WebURLFormField(forms.URLField):
    """A form's URL, normalised (inputs.normalise_url) before it is validated."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(normalise_url(value) if value else value)


class WebURLField(models.URLField):
    """An http(s) URL, stored as a valid URI whichever path stores it (API, admin, imports)."""

    default_validators = [http_url_validator]

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value:
            value = normalise_url(value)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebURLFormField, **kwargs})

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "annotations.models.WebURLField", args, kwargs  # where migrations find it


# The articles identified by their title and text: those with no address of their own.
WITHOUT_ADDRESS = Q(canonical_url="", source_url="")


class Article(models.Model):
    """A text the desk annotates, in one project.

    What makes two articles the same depends on where the text came from:

    - An article with an address (its canonical URL, or the URL it was found at, pasted or
      imported from) is that page: adding the address again opens it (one per canonical URL and
      project, in the database too). The same title and text at two addresses are two articles:
      syndication is normal in news, each page has its own annotations, corrections and history,
      and a correction of one never fails because it now reads like the other. The desk is told
      instead (`duplicates()`): on the fetch row, the revision's note and the article page.
    - An article without an address (pasted or imported text) has nothing but its words: the
      same title and text twice in one project is the same article, refused in the database.
    """

    project = models.ForeignKey(
        "annotations.Project", on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    byline = models.CharField(max_length=300, blank=True)
    source_url = WebURLField(max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    body = models.TextField(help_text="Canonical plain text; annotation offsets count into it.")
    body_hash = models.CharField(max_length=64, editable=False)
    revision = models.PositiveIntegerField(
        default=1, editable=False, help_text="The number of the revision the body is."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_created",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # From the web (ingesting.py): the page's own address for itself, its site, and whether it
    # is re-fetched on a schedule to catch corrections.
    canonical_url = WebURLField(max_length=2000, blank=True, default="", db_default="")
    site_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    tracked = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Re-fetched on a schedule; a changed text becomes a revision.",
    )
    next_refetch_at = models.DateTimeField(null=True, blank=True)
    # When annotators of a blind project were shown each other's work on it: on adjudication,
    # or when a manager opened it up.
    unblinded_at = models.DateTimeField(null=True, blank=True)

    history = History()
    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("article")
        verbose_name_plural = gettext_lazy("articles")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Without an address, the same title and text is the same article (two projects
            # may each hold it); with one, the address says which article it is.
            models.UniqueConstraint(
                fields=["project", "body_hash", "title"],
                condition=WITHOUT_ADDRESS,
                name="article_unique_text",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="article_body_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
            # One article per page and project: adding it again opens this one.
            models.UniqueConstraint(
                fields=["project", "canonical_url"],
                condition=~Q(canonical_url=""),
                name="article_canonical_url_once",
            ),
        ]
        indexes = [
            # Article list filtered by publisher.
            models.Index(fields=["publisher"], name="article_publisher_idx"),
            # A project's article list, newest first.
            models.Index(fields=["project", "-created_at", "-id"], name="article_project_idx"),
            # Tracked articles due for a re-fetch.
            models.Index(
                fields=["next_refetch_at"], condition=Q(tracked=True), name="article_refetch_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Every path that stores a body goes through here, so offsets always count into the
        # canonical form.
        self.title = self.title.strip()
        self.body = anchoring.normalise_body(self.body)
        self.body_hash = anchoring.body_hash(self.body)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_hash"}
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # every body an article has had is kept, its first one included
            ArticleRevision.objects.create(
                article=self,
                number=self.revision,
                body=self.body,
                body_hash=self.body_hash,
                created_by=self.created_by,
                created_at=self.created_at,
            )

    def get_absolute_url(self) -> str:
        """The editor page: admin's "View on site" leads there."""
        from django.urls import reverse

        return reverse("article-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.pk is None:
            return
        stored = Article.objects.filter(pk=self.pk).values_list("body", flat=True).first()
        if stored is not None and stored != anchoring.normalise_body(self.body):
            raise ValidationError(
                {
                    "body": gettext_lazy(
                        "A correction is a new revision: use the article page’s Update text."
                    )
                }
            )

    @property
    def has_address(self) -> bool:
        """Whether a page's address identifies the article (else its title and text do)."""
        return bool(self.canonical_url or self.source_url)

    def duplicates(self, body: str | None = None) -> models.QuerySet[Article]:
        """Other articles of the project with this title and text (or with `body`, a text it is
        about to have): the same story at another address, which the desk should know of."""
        text_hash = self.body_hash if body is None else anchoring.body_hash(body)
        return Article.objects.filter(
            project_id=self.project_id, title=self.title, body_hash=text_hash
        ).exclude(pk=self.pk)


class ArticleRevision(models.Model):
    """One body an article has had, numbered from 1, with how its annotations fared on it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    body_hash = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True, help_text="What was corrected.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # How the annotations of the previous revision fared (reanchoring.py); 0 for the first.
    mapped = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    proposed = models.PositiveIntegerField(default=0)
    orphaned = models.PositiveIntegerField(default=0)

    objects = ThroughArticle.as_manager()

    class Meta:
        verbose_name = gettext_lazy("article revision")
        verbose_name_plural = gettext_lazy("article revisions")
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.article} (revision {self.number})"


class Annotation(models.Model):
    # The article's project, copied so that every per-project read filters one table.
    project = models.ForeignKey(
        "annotations.Project", on_delete=models.PROTECT, related_name="annotations"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="annotations")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    label = models.CharField(max_length=20, choices=Label.choices)
    start = models.PositiveIntegerField(help_text="Code point offset of the first character.")
    end = models.PositiveIntegerField(help_text="Code point offset just past the last character.")
    quote = models.TextField(help_text="The exact text between start and end.")
    # 32 code points each, or more where the quote with 32 is not unique (anchoring.context).
    prefix = models.TextField(blank=True)
    suffix = models.TextField(blank=True)
    note = models.TextField(blank=True, max_length=10_000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_annotations",
    )
    review_note = models.TextField(blank=True, max_length=10_000)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    revision = models.PositiveIntegerField(
        default=1, help_text="The article revision its offsets and quote count into."
    )
    anchor = models.CharField(max_length=10, choices=Anchor.choices, default=Anchor.ANCHORED)
    # Where a correction may have moved it (anchor "proposed"), for a person to confirm.
    # An adjudicated annotation is authored by its curator; it names the annotators who
    # proposed it (empty for a span the curator added) and the annotations it was made from.
    # Defaults in the database too: rows written by other tools (benchmarks, bulk SQL) stay valid.
    origin = models.CharField(
        max_length=12,
        choices=Origin.choices,
        default=Origin.ANNOTATOR,
        db_default=Origin.ANNOTATOR,
    )
    proposed_by = models.CharField(max_length=1000, blank=True, default="", db_default="")
    derived_from = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="adjudicated_as"
    )
    proposed_start = models.PositiveIntegerField(null=True, blank=True)
    proposed_end = models.PositiveIntegerField(null=True, blank=True)

    history = History(excluded_fields=["updated_at"])
    objects = AnnotationQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("annotation")
        verbose_name_plural = gettext_lazy("annotations")
        ordering = ["article_id", "start", "end", "id"]
        permissions = [
            ("review_annotation", "Can review annotations of other authors"),
            ("export_annotation", "Can export annotations through the export API"),
        ]
        constraints = [
            # The target of the links' composite foreign keys (see AnnotationLink).
            models.UniqueConstraint(fields=["id", "label"], name="annotation_id_label"),
            models.CheckConstraint(condition=Q(start__gte=0), name="annotation_start_not_negative"),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="annotation_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("quote")), name="annotation_quote_fills_span"
            ),
            models.CheckConstraint(
                condition=Q(label__in=Label.values), name="annotation_label_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="annotation_status_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="annotation_version_positive"),
            models.CheckConstraint(
                condition=Q(anchor__in=Anchor.values), name="annotation_anchor_valid"
            ),
            # A proposal is a whole span, and only proposed annotations have one.
            models.CheckConstraint(
                condition=Q(anchor=Anchor.PROPOSED, proposed_end__gt=F("proposed_start"))
                | Q(proposed_start__isnull=True, proposed_end__isnull=True),
                name="annotation_proposal_whole",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=Origin.values), name="annotation_origin_valid"
            ),
            # Only an adjudicated annotation was proposed by others.
            models.CheckConstraint(
                condition=Q(origin=Origin.ADJUDICATION) | Q(proposed_by=""),
                name="annotation_proposers_only_adjudicated",
            ),
            # A rejection or a request for changes always tells the author why.
            models.CheckConstraint(
                condition=~Q(status__in=[Status.REJECTED, Status.CHANGES_REQUESTED])
                | ~Q(review_note=""),
                name="annotation_review_note_when_sent_back",
            ),
        ]
        indexes = [
            # Article page: an article's annotations in text order.
            models.Index(fields=["article", "start", "end"], name="annotation_article_span_idx"),
            # Review queue and "changed since" reads: by status, then time.
            models.Index(fields=["status", "updated_at"], name="annotation_status_updated_idx"),
            # Review queue: submitted, oldest first, id breaking ties; no sort step at any size.
            models.Index(fields=["status", "submitted_at", "id"], name="annotation_queue_idx"),
            # The same per project, for reviewers of some projects among many.
            models.Index(
                fields=["project", "status", "submitted_at", "id"],
                name="annotation_project_queue_idx",
            ),
            # API list and "changed since" reads: most recently changed first.
            models.Index(fields=["-updated_at", "-id"], name="annotation_recent_idx"),
            # "Mine": an author's annotations, newest first.
            models.Index(fields=["author", "-updated_at"], name="annotation_author_idx"),
        ]

    def __str__(self) -> str:
        quote = self.quote if len(self.quote) <= 60 else self.quote[:59] + "…"
        return f"{self.get_label_display()}: “{quote}”"

    def clean(self) -> None:
        super().clean()
        if self.article_id is None or self.start is None or self.end is None:
            return
        article = self.article
        text = (
            article.body
            if self.revision == article.revision
            else article.revisions.get(number=self.revision).body  # counts into an older one
        )
        try:
            anchoring.span_at(text, self.start, self.end, self.quote)
        except anchoring.SpanError as exc:
            raise ValidationError({exc.field: exc.message}) from exc


class Evidence(models.Model):
    project = models.ForeignKey(
        "annotations.Project", on_delete=models.PROTECT, related_name="evidence"
    )
    url = WebURLField(max_length=2000)
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    excerpt = models.TextField(blank=True, max_length=10_000)
    accessed_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_added",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = History()
    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("evidence")
        verbose_name_plural = gettext_lazy("evidence")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_HTTP_URL, name="evidence_url_http"),
            # One row per source and project: URLs are normalised on save, so one source has
            # one spelling.
            models.UniqueConstraint(fields=["project", "url"], name="evidence_url_once"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class EvidenceLink(models.Model):
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="evidence_links"
    )
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="links")
    stance = models.CharField(max_length=10, choices=Stance.choices)
    note = models.TextField(blank=True, max_length=10_000)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ThroughAnnotation.as_manager()

    class Meta:
        verbose_name = gettext_lazy("evidence link")
        verbose_name_plural = gettext_lazy("evidence links")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["annotation", "evidence"], name="evidence_link_once_per_annotation"
            ),
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="evidence_link_stance_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stance_display()}: {self.evidence}"


def _link_shapes() -> Q:
    """The links linking.LINK_SHAPES allows, as a condition on a link's denormalised labels."""
    shapes = [
        Q(source_label=source_label, target_label=target_label, kind=kind)
        for (source_label, target_label), kind in linking.LINK_SHAPES.items()
    ]
    return reduce(operator.or_, shapes)


class AnnotationLink(models.Model):
    """One span pointing at another, with both spans' labels copied in.

    The copies let the database itself refuse a forbidden shape: a check constraint allows only
    linking.LINK_SHAPES, and on PostgreSQL composite foreign keys (id, label) -> annotation,
    ON UPDATE CASCADE, carry a label change into the link, where the check refuses it. No code
    path, however written, can store an attribution linked to an attribution.
    """

    source = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="outgoing_links")
    target = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="incoming_links")
    kind = models.CharField(max_length=12, choices=LinkKind.choices)
    source_label = models.CharField(max_length=20, choices=Label.choices, editable=False)
    target_label = models.CharField(max_length=20, choices=Label.choices, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ThroughSource.as_manager()

    class Meta:
        verbose_name = gettext_lazy("annotation link")
        verbose_name_plural = gettext_lazy("annotation links")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="annotation_link_once"),
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="annotation_link_not_self"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=LinkKind.values), name="annotation_link_kind_valid"
            ),
            models.CheckConstraint(condition=_link_shapes(), name="annotation_link_shape_allowed"),
        ]
        indexes = [models.Index(fields=["target"], name="annotation_link_target_idx")]

    def __str__(self) -> str:
        return f"#{self.source_id} {self.get_kind_display().lower()} #{self.target_id}"

    def save(self, *args, **kwargs) -> None:
        self.source_label, self.target_label = self.source.label, self.target.label
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.source_id and self.target_id:
            try:
                self.kind = linking.link_kind(self.source, self.target)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc


class ReviewEvent(models.Model):
    """One status change, written by annotations.review.workflow and never edited."""

    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="review_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_events"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ThroughAnnotation.as_manager()

    class Meta:
        verbose_name = gettext_lazy("review event")
        verbose_name_plural = gettext_lazy("review events")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status__in=Status.values) & Q(to_status__in=Status.values),
                name="review_event_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_status=F("to_status")), name="review_event_changes_status"
            ),
        ]
        indexes = [
            # Export's reviewed_since filter and the history on the review page.
            models.Index(fields=["annotation", "created_at"], name="review_event_annotation_idx"),
        ]

    def __str__(self) -> str:
        when = self.created_at.strftime("%Y-%m-%d %H:%M")
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}, {when}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Review history is append-only: a ReviewEvent is never edited.")
        super().save(*args, **kwargs)


class ReviewQueue(Annotation):
    """Submitted annotations as reviewers work them in admin."""

    class Meta:
        verbose_name = gettext_lazy("annotation awaiting review")
        verbose_name_plural = gettext_lazy("review queue")
        proxy = True


class IdempotencyRecord(models.Model):
    """The answer to a POST sent with an Idempotency-Key, kept 24 hours for its retries.

    Written in the same transaction as the write it answers for: either both are stored or
    neither, so a client that lost the answer can safely send the request again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True)
    etag = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("idempotency record")
        verbose_name_plural = gettext_lazy("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]
        indexes = [
            # Expired records are purged by age.
            models.Index(fields=["created_at"], name="idempotency_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'in progress'})"
