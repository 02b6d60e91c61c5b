"""Running counts of annotations, kept by PostgreSQL so that an export can say up front how
many rows it holds without counting them (issue 18)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from annotations.models.querysets import TallyQuerySet


class AnnotationTally(models.Model):
    """How many annotations share a project, author, label, status, anchor and origin: the
    columns an export's count may filter on (the fields are named as Annotation's, so the same
    filters apply to both).

    Triggers add a row per change (+1 when an annotation enters a group, -1 when it leaves),
    in the writer's transaction, so a snapshot sums to exactly the count of the annotations it
    sees; the worker folds the rows into one per group now and then (tallying.compact). On
    SQLite nothing keeps the table and counts are made the usual way.
    """

    project = models.ForeignKey(
        "annotations.Project",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    label = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    anchor = models.CharField(max_length=10)
    origin = models.CharField(max_length=12)
    n = models.BigIntegerField()

    objects = TallyQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("annotation tally")
        verbose_name_plural = gettext_lazy("annotation tallies")

    def __str__(self) -> str:
        return f"{self.n:+d} {self.label}/{self.status}"
