"""Reads shaped once: visibility rules and the joins each screen needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from annotations import statuses
from annotations.choices import Label, Status
from annotations.permissions import annotation_visibility

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def related(model: type[models.Model], name: str) -> type[models.Model]:
    """The model at the other end of a relation: querysets name their neighbours without
    importing the tables module that imports them."""
    return model._meta.get_field(name).related_model


def row_count(model: type[models.Model], field: str) -> Coalesce:
    """Count `model` rows pointing at each outer row, as a correlated subquery."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by()
    return Coalesce(Subquery(rows.values(field).annotate(n=Count("pk")).values("n")[:1]), 0)


class AnnotationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AnnotationQuerySet:
        """Annotations the user may see: their own, and everyone's once out of draft."""
        return self.filter(annotation_visibility(user))

    def with_related(self) -> AnnotationQuerySet:
        """Join and prefetch everything an annotation is shown with: no query per row.

        The article is not joined: lists show its id, and joining would repeat its whole body
        on every row. Exports and the review page, which show its title, add it.
        """
        evidence_link = related(self.model, "evidence_links")
        annotation_link = related(self.model, "outgoing_links")
        return self.select_related("author", "reviewer").prefetch_related(
            Prefetch(
                "evidence_links",
                queryset=evidence_link.objects.select_related("evidence").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "outgoing_links", queryset=annotation_link.objects.order_by("created_at", "id")
            ),
        )

    def with_article(self) -> AnnotationQuerySet:
        """with_related() plus the article's title, URL and publisher (not its body)."""
        return (
            self.with_related()
            .select_related("article")
            .defer("article__body", "article__body_hash")
        )

    def in_text_order(self) -> AnnotationQuerySet:
        return self.order_by("start", "-end", "id")

    def submitted_queue(self) -> AnnotationQuerySet:
        """Submitted annotations, the longest-waiting first."""
        return self.filter(status=statuses.AWAITING_REVIEW).order_by("submitted_at", "id")

    def with_link_counts(self) -> AnnotationQuerySet:
        """Count evidence and links per row with correlated subqueries.

        Subqueries rather than JOIN + GROUP BY: PostgreSQL evaluates them only for the rows of
        the page, so a queue of a million rows costs the same as one of twenty.
        """
        return self.annotate(
            n_evidence=row_count(related(self.model, "evidence_links"), "annotation"),
            n_links=row_count(related(self.model, "outgoing_links"), "source"),
        )


class ArticleQuerySet(models.QuerySet):
    def with_counts(self, user: User) -> ArticleQuerySet:
        """Annotate counts per label and per status over the annotations the user may see.

        Correlated subqueries, computed for the rows of the page only: a GROUP BY over every
        annotation would cost the same for 25 articles as for all of them.
        """
        visible = related(self.model, "annotations").objects.filter(annotation_visibility(user))

        def count(**lookup: str) -> Coalesce:
            rows = visible.filter(article=OuterRef("pk"), **lookup).order_by()
            return Coalesce(
                Subquery(rows.values("article").annotate(n=Count("pk")).values("n")[:1]), 0
            )

        counts = {f"n_{label}": count(label=label) for label in Label.values}
        counts |= {f"n_{status}": count(status=status) for status in Status.values}
        return self.annotate(n_annotations=count(), **counts)

    def with_visible_annotations(self, user: User) -> ArticleQuerySet:
        """Prefetch, as `visible_annotations`, the annotations the user may see, in text order."""
        annotations = (
            related(self.model, "annotations")
            .objects.visible_to(user)
            .with_related()
            .in_text_order()
        )
        return self.prefetch_related(
            Prefetch("annotations", queryset=annotations, to_attr="visible_annotations")
        )

    def annotated_by(self, user: User) -> ArticleQuerySet:
        annotations = related(self.model, "annotations").objects
        return self.filter(Exists(annotations.filter(article=OuterRef("pk"), author=user)))

    def search(self, words: str) -> ArticleQuerySet:
        """Articles whose title or body holds every word, case-insensitively."""
        queryset = self
        for word in words.split():
            queryset = queryset.filter(Q(title__icontains=word) | Q(body__icontains=word))
        return queryset
