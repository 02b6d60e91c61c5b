"""Projects: the desks and studies that own articles, their members and who annotates what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from annotations.choices import AssignmentState, Role
from annotations.models.content import WebURLField
from annotations.models.history import History
from annotations.models.querysets import (
    AssignmentQuerySet,
    ComparisonQuerySet,
    ProjectQuerySet,
    ProjectScopedQuerySet,
)


class Project(models.Model):
    """A desk or a study: its own articles, evidence and annotations, members and settings."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True, max_length=10_000)
    guidelines = models.TextField(
        blank=True, max_length=200_000, help_text="Markdown, shown beside the editor."
    )
    annotators_per_article = models.PositiveSmallIntegerField(
        default=1, help_text="1 for a desk; 2 or more for double annotation."
    )
    blind = models.BooleanField(
        default=False,
        help_text="Annotators see others' work on an article only once theirs is done.",
    )
    review_required = models.BooleanField(
        default=True, help_text="Exports hold approved work only; otherwise submitted too."
    )
    curator_may_annotate = models.BooleanField(
        default=False,
        db_default=False,
        help_text="A curator may adjudicate an article they annotated themselves (four eyes "
        "then rest on the other annotators; the adjudication says so).",
    )
    # The organisation that publishes the project's fact-checks (ClaimReview author/publisher).
    publisher_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    publisher_url = WebURLField(max_length=2000, blank=True, default="", db_default="")
    publisher_logo_url = WebURLField(max_length=2000, blank=True, default="", db_default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = History()
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("project")
        verbose_name_plural = gettext_lazy("projects")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annotators_per_article__gte=1), name="project_annotators_at_least_one"
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="project_slug_not_empty"),
        ]
        permissions = [("create_project", "Can create projects")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One role of one user in one project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("membership")
        verbose_name_plural = gettext_lazy("memberships")
        ordering = ["project", "user", "role"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user", "role"], name="membership_once"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [
            # permissions.roles(): a user's roles, read once per request.
            models.Index(fields=["user", "project"], name="membership_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.project}"


class Assignment(models.Model):
    """An article given to an annotator, with where they are on it."""

    article = models.ForeignKey(
        "annotations.Article", on_delete=models.CASCADE, related_name="assignments"
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    state = models.CharField(
        max_length=12, choices=AssignmentState.choices, default=AssignmentState.TODO
    )
    due_on = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)

    history = History()
    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("assignment")
        verbose_name_plural = gettext_lazy("assignments")
        ordering = ["due_on", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "annotator"], name="assignment_once"),
            models.CheckConstraint(
                condition=Q(state__in=AssignmentState.values), name="assignment_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=AssignmentState.DONE) | Q(done_at__isnull=True),
                name="assignment_done_at_only_when_done",
            ),
        ]
        indexes = [
            # My work: an annotator's assignments, oldest due first.
            models.Index(fields=["annotator", "state", "due_on"], name="assignment_work_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.annotator} ({self.get_state_display()})"


class ArticleAgreement(models.Model):
    """The agreement of one article's annotators, kept until their annotations change:
    measuring.py recomputes an article only when its fingerprint (the annotators, and the id
    and version of each of their annotations) has moved."""

    article = models.OneToOneField(
        "annotations.Article", on_delete=models.CASCADE, primary_key=True, related_name="agreement"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agreements")
    fingerprint = models.CharField(max_length=64)
    annotators = models.JSONField(default=list)
    # Per label: alpha_U and its sums, span matches (exact, overlap); per pair of annotators:
    # span and link matches. Counts as [matched, reference, predicted] (agreement.Scores).
    results = models.JSONField(default=dict)
    score = models.FloatField(
        null=True, help_text="Span F1 under overlap match, all pairs: lowest first in lists."
    )
    computed_at = models.DateTimeField(auto_now=True)

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("article agreement")
        verbose_name_plural = gettext_lazy("article agreements")
        indexes = [models.Index(fields=["project", "score"], name="agreement_lowest_first")]

    def __str__(self) -> str:
        return f"{self.article} ({self.score})"


class Adjudication(models.Model):
    """A curator settling an article's double annotation into its adjudicated set.

    The set itself is the article's annotations of origin "adjudication"; this row holds who
    curates, since when, whether they had annotated the article themselves (allowed only where
    the project says so), which annotators' annotations they turned down, and when they
    finished.
    """

    article = models.OneToOneField(
        "annotations.Article", on_delete=models.CASCADE, related_name="adjudication"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adjudications")
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications"
    )
    curator_annotated = models.BooleanField(default=False)
    rejected = models.ManyToManyField("annotations.Annotation", blank=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    history = History(excluded_fields=["rejected"])

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("adjudication")
        verbose_name_plural = gettext_lazy("adjudications")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Adjudication of {self.article_id} by {self.curator}"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None
