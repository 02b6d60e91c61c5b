"""Verdicts: a project's rating scale, the published fact-checks of its approved claims, and
the corrections proposed to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from annotations.choices import CorrectionStatus, VerdictStatus
from annotations.models.content import Annotation, WebURLField
from annotations.models.history import History
from annotations.models.projects import Project
from annotations.models.querysets import ProjectScopedQuerySet, ThroughVerdict, VerdictQuerySet

SUMMARY_MAX = 300  # characters of claimReviewed: a sentence, as publishers and search engines want


class Rating(models.Model):
    """One step of a project's rating scale: its words (alternateName) and its value."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    name = models.CharField(max_length=60)
    value = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Its place on the scale, 1 the worst, the best the highest; empty for a rating "
        "off the scale (Unproven).",
    )
    description = models.CharField(max_length=300, blank=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("rating")
        verbose_name_plural = gettext_lazy("ratings")
        ordering = ["project", F("value").desc(nulls_last=True), "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="rating_name_once"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1), name="rating_value_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Verdict(models.Model):
    """A fact-check of one approved claim: its rating and what schema.org ClaimReview needs."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="verdicts")
    claim = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="verdicts")
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="verdicts")
    summary = models.CharField(
        max_length=SUMMARY_MAX, help_text="The claim as checked, in one sentence (claimReviewed)."
    )
    claimant = models.CharField(max_length=300, help_text="Who made the claim.")
    claimant_is_organization = models.BooleanField(
        default=False, help_text="The claim was made by an organisation, not a person."
    )
    claim_date = models.DateField(null=True, blank=True, help_text="When it first appeared.")
    appearance_url = WebURLField(max_length=2000, help_text="Where it first appeared.")
    review_url = WebURLField(
        max_length=2000, blank=True, help_text="The published fact-check article."
    )
    status = models.CharField(
        max_length=12, choices=VerdictStatus.choices, default=VerdictStatus.DRAFTED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verdicts"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    modified_at = models.DateTimeField(
        null=True, blank=True, help_text="Changed after it was published (dateModified)."
    )
    retracted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = History(excluded_fields=["updated_at"])
    objects = VerdictQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("verdict")
        verbose_name_plural = gettext_lazy("verdicts")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=VerdictStatus.values), name="verdict_status_valid"
            ),
            models.CheckConstraint(condition=~Q(summary=""), name="verdict_summary_not_empty"),
            # One live fact-check per claim: a new one is published once the old is retracted.
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status=VerdictStatus.PUBLISHED),
                name="verdict_one_published_per_claim",
            ),
            models.CheckConstraint(condition=~Q(claimant=""), name="verdict_claimant_not_empty"),
            # Published (or once published, then retracted) verdicts say when.
            models.CheckConstraint(
                condition=~Q(status__in=[VerdictStatus.PUBLISHED, VerdictStatus.RETRACTED])
                | Q(published_at__isnull=False),
                name="verdict_published_at_when_published",
            ),
            models.CheckConstraint(
                condition=Q(modified_at__isnull=True) | Q(modified_at__gte=F("published_at")),
                name="verdict_modified_after_published",
            ),
        ]
        indexes = [
            # The project's ClaimReview feed: published, most recently changed first.
            models.Index(fields=["project", "status", "-updated_at"], name="verdict_feed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}: {self.summary}"


class VerdictEvent(models.Model):
    """One step of a verdict's review, append-only: who, from what to what, and why."""

    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=12, choices=VerdictStatus.choices)
    to_status = models.CharField(max_length=12, choices=VerdictStatus.choices)
    note = models.TextField(blank=True, max_length=10_000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ThroughVerdict.as_manager()

    class Meta:
        verbose_name = gettext_lazy("verdict event")
        verbose_name_plural = gettext_lazy("verdict events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class VerdictCorrection(models.Model):
    """A change proposed to a published verdict. The public keeps the published version until
    another reviewer approves it; every proposal stays, decided or not, as the record of what
    was corrected, by whom and why."""

    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="corrections")
    changes = models.JSONField(
        help_text='What it changes: {field: {"from": old, "to": new}}, a rating by its name.'
    )
    note = models.TextField(max_length=10_000, help_text="What is corrected and why.")
    status = models.CharField(
        max_length=12, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=10_000)

    objects = ThroughVerdict.as_manager()

    class Meta:
        ordering = ["proposed_at", "id"]
        verbose_name = gettext_lazy("verdict correction")
        verbose_name_plural = gettext_lazy("verdict corrections")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CorrectionStatus.values), name="correction_status_valid"
            ),
            # One proposal at a time: a second would be approved against a version the public
            # no longer sees.
            models.UniqueConstraint(
                fields=["verdict"],
                condition=Q(status=CorrectionStatus.PENDING),
                name="correction_one_pending_per_verdict",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="correction_note_not_empty"),
            # Decided ones say by whom and when; pending ones are decided by nobody yet.
            models.CheckConstraint(
                condition=Q(
                    status=CorrectionStatus.PENDING,
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                )
                | (
                    ~Q(status=CorrectionStatus.PENDING)
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="correction_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verdict_id}: {', '.join(self.changes)} ({self.status})"
