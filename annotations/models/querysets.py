"""Reads shaped once: visibility rules and the joins each screen needs."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from annotations.access import permissions
from annotations.choices import Anchor, AssignmentState, Label, Origin, Status, VerdictStatus
from annotations.common.compiled import CompiledQuery
from annotations.review import statuses
from annotations.search import searching

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def related(model: type[models.Model], name: str) -> type[models.Model]:
    """The model at the other end of a relation: querysets name their neighbours without
    importing the tables module that imports them."""
    return model._meta.get_field(name).related_model


@functools.cache
def _row_with_query(
    model: type[models.Model], relation: str
) -> tuple[CompiledQuery, list[str], list[str]]:
    """One row by id with the row it points to through `relation`; then both models'
    columns, in the order selected."""
    own = model._meta.concrete_fields
    theirs = related(model, relation)._meta.concrete_fields
    names = [field.name for field in own] + [f"{relation}__{field.name}" for field in theirs]
    query = CompiledQuery(model._default_manager.filter(pk=0).order_by().values_list(*names), 0)
    return query, [field.attname for field in own], [field.attname for field in theirs]


def row_with(model: type[models.Model], pk: int, relation: str) -> models.Model | None:
    """The row with this id, with the row its `relation` points to loaded, as
    select_related(relation).get(pk=pk) gives it, or None.

    For the hottest writes' lookups (creating an annotation reads its article and project):
    3.5 ms through the ORM, 0.9 ms compiled once. Whoever calls it checks the permission.
    """
    query, own, theirs = _row_with_query(model, relation)
    rows = query.rows(pk)
    if not rows:
        return None
    instance = model.from_db(query.alias, own, rows[0][: len(own)])
    other = related(model, relation).from_db(query.alias, theirs, rows[0][len(own) :])
    model._meta.get_field(relation).set_cached_value(instance, other)
    return instance


def row_count(model: type[models.Model], field: str) -> Coalesce:
    """Count `model` rows pointing at each outer row, as a correlated subquery."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by()
    return Coalesce(Subquery(rows.values(field).annotate(n=Count("pk")).values("n")[:1]), 0)


def annotation_visibility(model: type[models.Model], user: User) -> Q:
    """The annotations a user may see, as a filter on `model` (Annotation).

    In each project where they hold a role: their own; everyone's once out of draft, except
    that in a blind project an annotator (who is not also a reviewer, exporter or manager
    there) sees others' work on an article only once their own assignment on it is done, or
    the article has been adjudicated or opened up.
    Superusers see everything; a user with no role, nothing.
    """
    if permissions.is_admin(user):
        return Q()
    held = permissions.roles(user)
    member_of = held.projects()
    if not member_of:
        return Q(pk__in=[])
    sees_all = held.projects(permissions.SEES_ALL)
    annotating_only = [p for p in member_of if p not in sees_all]
    open_projects = [p for p in annotating_only if p not in held.blind]
    blind_projects = [p for p in annotating_only if p in held.blind]
    shared = ~Q(status=Status.DRAFT)
    visible = Q(author=user, project__in=member_of)
    visible |= shared & Q(project__in=[*sees_all, *open_projects])
    if blind_projects:
        assignments = related(related(model, "article"), "assignments")
        finished = assignments.objects.filter(
            article=OuterRef("article"), annotator=user, state=AssignmentState.DONE
        )
        # Adjudication (or a manager) ends blind mode for an article.
        opened = Q(article__unblinded_at__isnull=False)
        visible |= shared & Q(project__in=blind_projects) & (Exists(finished) | opened)
    return visible


ANNOTATION_SETS = ("adjudicated", "annotators", "all")


class ExportScope(models.QuerySet):
    """Who may see and export what, and the export's sets: written once for annotations and
    for their tally (whose fields are named alike), so that a count from the tally selects what
    the rows' own query would."""

    def visible_to(self, user: User) -> ExportScope:
        """Annotations the user may see (annotation_visibility)."""
        return self.filter(annotation_visibility(self.model, user))

    def exportable_by(self, user: User) -> ExportScope:
        """What the user may export: visible annotations of the projects where they export,
        anchored on their article's current text (a proposed or orphaned one counts into an
        older revision and waits for a person)."""
        visible = self.visible_to(user).filter(anchor=Anchor.ANCHORED)
        if permissions.is_admin(user):
            return visible
        return visible.filter(project__in=permissions.roles(user).projects(permissions.EXPORTS))

    def in_set(self, name: str = "") -> ExportScope:
        """One of ANNOTATION_SETS: "adjudicated" (each article's adjudicated set),
        "annotators" (every annotator's own work, for learning from disagreement), "all";
        by default the adjudicated set in double-annotated projects and everything elsewhere.
        """
        if name == "adjudicated":
            return self.filter(origin=Origin.ADJUDICATION)
        if name == "annotators":
            return self.filter(origin=Origin.ANNOTATOR)
        if name == "all":
            return self
        single = self._projects(annotators_per_article__lt=2)
        return self.filter(Q(origin=Origin.ADJUDICATION) | Q(project__in=single))

    def exported_by_default(self) -> ExportScope:
        """The statuses an export holds unless asked for others (statuses.py says which)."""
        return self.filter(statuses.exported_by_default(self._projects(review_required=False)))

    def _projects(self, **lookup: Any) -> models.QuerySet:
        """The ids of the projects matching `lookup`, for `project__in`: PostgreSQL reads them
        once into a hash, where a condition on a joined project was checked by a lookup per
        row (0.8 s of a 900,000-row export in id order)."""
        return related(self.model, "project").objects.filter(**lookup).values("pk")


class TallyQuerySet(ExportScope):
    def total(self) -> int:
        return self.aggregate(n=Coalesce(Sum("n"), 0))["n"]

    def search(self, value: str) -> TallyQuerySet:
        raise FieldError("The tally keeps no text to search.")


class AnnotationQuerySet(ExportScope):
    # The tally of exactly this selection (with_tally), for count(); a derived queryset, which
    # may select other rows, counts them itself.
    _tally: TallyQuerySet | None = None

    def with_tally(self, tally: TallyQuerySet) -> AnnotationQuerySet:
        """This selection, counted from `tally` (the same filters over AnnotationTally)."""
        counted = self._chain()
        counted._tally = tally
        return counted

    def count(self) -> int:
        """From the tally where one was given: a sum over a few hundred rows where counting a
        million annotations took half a second."""
        if self._tally is not None:
            return self._tally.total()
        return super().count()

    def in_projects(self, projects: list[int]) -> AnnotationQuerySet:
        return self.filter(project__in=projects)

    def awaiting_review_by(self, user: User) -> AnnotationQuerySet:
        """The review queue of this user: submitted work of the projects where they review."""
        queue = self.submitted_queue()
        if permissions.is_admin(user):
            return queue
        return queue.filter(project__in=permissions.roles(user).projects(permissions.REVIEWS))

    def with_related(self) -> AnnotationQuerySet:
        """Join and prefetch everything an annotation is shown with: no query per row.

        The article is not joined: lists show its id, and joining would repeat its whole body
        on every row. Exports and the review page, which show its title, add it.
        """
        evidence_link = related(self.model, "evidence_links")
        annotation_link = related(self.model, "outgoing_links")
        return self.select_related("author", "reviewer", "project").prefetch_related(
            Prefetch(
                "evidence_links",
                queryset=evidence_link.objects.select_related("evidence").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "outgoing_links", queryset=annotation_link.objects.order_by("created_at", "id")
            ),
            Prefetch(
                "review_events",
                queryset=related(self.model, "review_events")
                .objects.select_related("actor")
                .order_by("created_at", "id"),
            ),
        )

    def with_article(self) -> AnnotationQuerySet:
        """with_related() plus the article's title, URL and publisher (not its body)."""
        return (
            self.with_related()
            .select_related("article")
            .defer("article__body", "article__body_hash")
        )

    def with_revision_date(self) -> AnnotationQuerySet:
        """Annotate `revision_date`: when the revision its offsets count into was made."""
        revisions = related(related(self.model, "article"), "revisions")
        made = revisions.objects.filter(article=OuterRef("article"), number=OuterRef("revision"))
        return self.annotate(revision_date=Subquery(made.values("created_at")[:1]))

    def with_verdict(self) -> AnnotationQuerySet:
        """Annotate a claim's published verdict: `verdict_id` and `verdict_rating` (its name)."""
        live = (
            related(self.model, "verdicts")
            .objects.filter(claim=OuterRef("pk"), status=VerdictStatus.PUBLISHED)
            .order_by()
        )
        return self.annotate(
            verdict_id=Subquery(live.values("pk")[:1]),
            verdict_rating=Subquery(live.values("rating__name")[:1]),
        )

    def in_text_order(self) -> AnnotationQuerySet:
        return self.order_by("start", "-end", "id")

    def submitted_queue(self) -> AnnotationQuerySet:
        """Submitted annotations, the longest-waiting first."""
        return self.filter(status=statuses.AWAITING_REVIEW).order_by("submitted_at", "id")

    def search(self, words: str) -> AnnotationQuerySet:
        """Annotations matching `words` in quote or note, or citing evidence whose title
        matches, or on an article whose title matches (searching.py), with a rank."""
        evidence_links = related(self.model, "evidence_links")
        evidence = related(evidence_links, "evidence").objects.all()
        cited = (
            evidence_links.objects.filter(
                evidence__in=searching.document_matches(evidence, words, searching.EVIDENCE)
            )
            .values("annotation")
            .order_by()
        )
        titled = searching.in_titles(related(self.model, "article").objects.all(), words)
        return searching.matching(
            self, words, searching.ANNOTATION, also={"pk": cited, "article": titled.values("pk")}
        )

    def with_snippets(self, words: str) -> AnnotationQuerySet:
        return searching.with_snippets(self, words, searching.ANNOTATION)

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
    def visible_to(self, user: User) -> ArticleQuerySet:
        """Articles of the projects where the user holds a role (all, for superusers)."""
        if permissions.is_admin(user):
            return self
        return self.filter(project__in=permissions.roles(user).projects())

    def with_counts(self, user: User) -> ArticleQuerySet:
        """Annotate counts per label and per status over the annotations the user may see.

        Correlated subqueries, computed for the rows of the page only: a GROUP BY over every
        annotation would cost the same for 25 articles as for all of them.
        """
        annotations = related(self.model, "annotations")
        visible = annotations.objects.filter(annotation_visibility(annotations, user))

        def count(**lookup: str) -> Coalesce:
            rows = visible.filter(article=OuterRef("pk"), **lookup).order_by()
            return Coalesce(
                Subquery(rows.values("article").annotate(n=Count("pk")).values("n")[:1]), 0
            )

        counts = {f"n_{label}": count(label=label) for label in Label.values}
        counts |= {f"n_{status}": count(status=status) for status in Status.values}
        return self.annotate(n_annotations=count(), **counts)

    def at_address(self, url: str) -> ArticleQuerySet:
        """The articles a page's address identifies: by canonical or source URL, oldest first."""
        return self.filter(Q(canonical_url=url) | Q(source_url=url)).order_by("pk")

    def _with_latest_correction(self) -> ArticleQuerySet:
        """Corrected articles (a new revision, typed in or caught by a re-fetch), latest
        correction first, with `corrected_at` and its `correction` note."""
        latest = (
            related(self.model, "revisions")
            .objects.filter(article=OuterRef("pk"))
            .order_by("-number")
        )
        return (
            self.filter(revision__gt=1)
            .annotate(
                corrected_at=Subquery(latest.values("created_at")[:1]),
                correction=Subquery(latest.values("note")[:1]),
            )
            .order_by("-corrected_at")
        )

    def corrected_since_annotated_by(self, user: User) -> ArticleQuerySet:
        """Articles corrected after the user first annotated them, latest correction first,
        with `corrected_at` and its `correction` note."""
        mine = (
            related(self.model, "annotations")
            .objects.filter(article=OuterRef("pk"), author=user)
            .order_by("created_at")
            .values("created_at")[:1]
        )
        return (
            self._with_latest_correction()
            .annotate(first_mine=Subquery(mine))
            .filter(first_mine__isnull=False, corrected_at__gt=F("first_mine"))
        )

    def corrected_in_projects_managed_by(self, user: User) -> ArticleQuerySet:
        """Corrected articles of the projects the user manages, latest correction first: the
        managers decide what a correction (or a story that now duplicates another) means for
        the desk."""
        managed = permissions.roles(user).projects(permissions.MANAGES)
        return self._with_latest_correction().filter(project__in=managed)

    def annotated_by(self, user: User) -> ArticleQuerySet:
        annotations = related(self.model, "annotations").objects
        return self.filter(Exists(annotations.filter(article=OuterRef("pk"), author=user)))

    def search(self, words: str) -> ArticleQuerySet:
        """Articles matching `words` in title, publisher or body (searching.py), with a rank."""
        return searching.matching(self, words, searching.ARTICLE)

    def with_snippets(self, words: str) -> ArticleQuerySet:
        return searching.with_snippets(self, words, searching.ARTICLE)


class ProjectScopedQuerySet(models.QuerySet):
    """Rows that belong to a project (feeds, fetches, verdicts, ratings, members): what a user
    may see of them."""

    # The roles that see these rows in their project (any role, when None).
    seen_by: frozenset[str] | None = None

    def visible_to(self, user: User) -> ProjectScopedQuerySet:
        """The rows of the projects where the user holds one of `seen_by` (all, for
        superusers)."""
        if permissions.is_admin(user):
            return self
        return self.filter(project__in=permissions.roles(user).projects(self.seen_by))


def blind_for(user: User) -> list[int]:
    """The projects where the user annotates blind: blind ones where they hold no role that
    sees all of the work (reviewer, exporter, manager)."""
    held = permissions.roles(user)
    sees_all = held.projects(permissions.SEES_ALL)
    return [p for p in held.projects() if p in held.blind and p not in sees_all]


class VerdictQuerySet(ProjectScopedQuerySet):
    def visible_to(self, user: User) -> VerdictQuerySet:
        """A project's verdicts, except where the user annotates blind: there only the verdicts
        of claims they may see, since a verdict quotes its claim and names its author."""
        rows = super().visible_to(user)
        blind = [] if permissions.is_admin(user) else blind_for(user)
        if not blind:
            return rows
        claims = related(self.model, "claim").objects.visible_to(user)
        return rows.filter(~Q(project__in=blind) | Q(claim__in=claims.values("pk")))


class ComparisonQuerySet(ProjectScopedQuerySet):
    """Agreement and adjudication compare annotators with each other by name: reviewers,
    exporters and managers of the project see them, never its annotators (who may be working
    blind), as permissions.can_see_agreement says."""

    seen_by = permissions.SEES_ALL


class EvidenceQuerySet(ProjectScopedQuerySet):
    def visible_to(self, user: User) -> EvidenceQuerySet:
        """The evidence a user may see: all of a project's, except where they annotate blind.

        In a blind project an annotator (who is not also a reviewer, exporter or manager there)
        sees the sources they added, those cited by annotations they may see
        (annotation_visibility: others' once their own assignment on that article is done),
        and all of the project's once their work there is done (they hold assignments in it,
        every one done); otherwise another's sources would tell them what that annotator found.
        """
        if permissions.is_admin(user):
            return self
        member_of = permissions.roles(user).projects()
        blind = blind_for(user)
        visible = Q(project__in=[p for p in member_of if p not in blind])
        if blind:
            links = related(self.model, "links")
            annotations = related(links, "annotation")
            cited = links.objects.filter(
                annotation__in=annotations.objects.visible_to(user).values("pk")
            ).values("evidence")
            assignments = related(related(annotations, "article"), "assignments").objects.filter(
                annotator=user, article__project=OuterRef("project")
            )
            work_done = Exists(assignments) & ~Exists(
                assignments.exclude(state=AssignmentState.DONE)
            )
            visible |= Q(project__in=blind) & (Q(added_by=user) | Q(pk__in=cited) | work_done)
        return self.filter(visible)


class ReachedQuerySet(models.QuerySet):
    """Rows seen through the row they belong to (`through`): a revision through its article,
    a review event or an evidence link through its annotation. Whoever may see that row sees
    them, and nobody else."""

    through = ""

    def visible_to(self, user: User) -> ReachedQuerySet:
        if permissions.is_admin(user):
            return self
        owner = related(self.model, self.through).objects.visible_to(user)
        return self.filter(**{f"{self.through}__in": owner.values("pk")})


class ThroughArticle(ReachedQuerySet):
    through = "article"


class ThroughAnnotation(ReachedQuerySet):
    through = "annotation"


class ThroughSource(ReachedQuerySet):
    """A link between annotations is shown with the annotation it starts from."""

    through = "source"


class ThroughVerdict(ReachedQuerySet):
    through = "verdict"


class ThroughFeed(ReachedQuerySet):
    through = "feed"


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ProjectQuerySet:
        """The projects where the user holds a role (all, for superusers)."""
        return self.where(user)

    def where(self, user: User, roles: frozenset[str] | None = None) -> ProjectQuerySet:
        """The projects where the user holds any of `roles` (any role, when None)."""
        if permissions.is_admin(user):
            return self
        return self.filter(pk__in=permissions.roles(user).projects(roles))


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AssignmentQuerySet:
        """Assignments in the user's projects; annotators see only their own."""
        if permissions.is_admin(user):
            return self
        held = permissions.roles(user)
        return self.filter(
            Q(article__project__in=held.projects(permissions.SEES_ALL))
            | Q(annotator=user, article__project__in=held.projects())
        )

    def work_of(self, user: User) -> AssignmentQuerySet:
        """My work: the user's assignments, open ones first, oldest due first, with counts of
        their own annotations on each article by status."""
        annotations = related(related(self.model, "article"), "annotations")

        def mine(**lookup: str) -> Coalesce:
            rows = annotations.objects.filter(
                article=OuterRef("article"), author=user, **lookup
            ).order_by()
            return Coalesce(
                Subquery(rows.values("article").annotate(n=Count("pk")).values("n")[:1]), 0
            )

        counts = {f"n_{status}": mine(status=status) for status in Status.values}
        return (
            self.filter(annotator=user)
            .select_related("article__project")
            .defer("article__body")
            .annotate(n_mine=mine(), **counts)
            .order_by(
                models.Case(models.When(state=AssignmentState.DONE, then=1), default=0),
                models.F("due_on").asc(nulls_last=True),
                "created_at",
                "id",
            )
        )
