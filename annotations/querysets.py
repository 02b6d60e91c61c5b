"""Reads shaped once: visibility rules and the joins each screen needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def row_count(model: type[models.Model], field: str) -> Coalesce:
    """Count `model` rows pointing at each outer row, as a correlated subquery."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by()
    return Coalesce(Subquery(rows.values(field).annotate(n=Count("pk")).values("n")[:1]), 0)


class AnnotationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AnnotationQuerySet:
        """Annotations the user may see: their own, and everyone's once out of draft."""
        from annotations.permissions import annotation_visibility

        return self.filter(annotation_visibility(user))

    def with_related(self) -> AnnotationQuerySet:
        """Join and prefetch everything an annotation is shown with: no query per row.

        The article is not joined: lists show its id, and joining would repeat its whole body
        on every row. Exports and the review page, which show its title, add it.
        """
        from annotations.models import AnnotationLink, EvidenceLink

        return self.select_related("author", "reviewer").prefetch_related(
            Prefetch(
                "evidence_links",
                queryset=EvidenceLink.objects.select_related("evidence").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "outgoing_links", queryset=AnnotationLink.objects.order_by("created_at", "id")
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
        return self.filter(status="submitted").order_by("submitted_at", "id")

    def with_link_counts(self) -> AnnotationQuerySet:
        """Count evidence and links per row with correlated subqueries.

        Subqueries rather than JOIN + GROUP BY: PostgreSQL evaluates them only for the rows of
        the page, so a queue of a million rows costs the same as one of twenty.
        """
        from annotations.models import AnnotationLink, EvidenceLink

        return self.annotate(
            n_evidence=row_count(EvidenceLink, "annotation"),
            n_links=row_count(AnnotationLink, "source"),
        )


class ArticleQuerySet(models.QuerySet):
    def with_counts(self, user: User) -> ArticleQuerySet:
        """Annotate counts per label and per status over the annotations the user may see.

        Correlated subqueries, computed for the rows of the page only: a GROUP BY over every
        annotation would cost the same for 25 articles as for all of them.
        """
        from annotations.models import Annotation, Label, Status
        from annotations.permissions import annotation_visibility

        visible = Annotation.objects.filter(annotation_visibility(user))

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
        from annotations.models import Annotation

        annotations = Annotation.objects.visible_to(user).with_related().in_text_order()
        return self.prefetch_related(
            Prefetch("annotations", queryset=annotations, to_attr="visible_annotations")
        )

    def annotated_by(self, user: User) -> ArticleQuerySet:
        from annotations.models import Annotation

        return self.filter(Exists(Annotation.objects.filter(article=OuterRef("pk"), author=user)))
