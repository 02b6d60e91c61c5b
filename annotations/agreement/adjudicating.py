"""Adjudication: a curator settles an article's double annotation into its adjudicated set.

The annotators' spans are grouped into variants (the same start, end and label, whoever drew
it) and the variants into clusters (variants whose text overlaps, whatever their label: a
label disagreement sits in one cluster). A variant every annotator proposed is agreed and
goes into the set when the adjudication opens; every other variant waits for the curator, who
accepts it (as it is, edited, or merged with others), rejects it, or adds a span nobody drew.

The set is made of annotations of origin "adjudication", authored by the curator, naming
their proposers and the annotations they came from. Finishing runs them through the review
workflow (history and all): proposed spans are adjudicated (approved: the annotators were the
first pair of eyes, the curator the second), spans only the curator drew are submitted for
another reviewer; the annotators' submissions are approved or rejected with a note saying
what adjudication made of them; and blind mode ends for the article.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from annotations.access import permissions
from annotations.choices import Anchor, AssignmentState, Label, Origin, Status
from annotations.models import (
    Adjudication,
    Annotation,
    AnnotationLink,
    Article,
    Assignment,
    EvidenceLink,
)
from annotations.review import workflow
from annotations.spans import anchoring, linking

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@dataclass
class Variant:
    """One span as one or more annotators drew it."""

    start: int
    end: int
    label: str
    quote: str
    annotations: list[int] = field(default_factory=list)
    proposers: list[str] = field(default_factory=list)
    agreed: bool = False
    decision: str = "open"  # open, accepted or rejected

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "quote": self.quote,
            "annotations": self.annotations,
            "proposers": self.proposers,
            "agreed": self.agreed,
            "decision": self.decision,
        }


@dataclass
class Cluster:
    """Variants whose text overlaps: the alternatives a curator weighs together."""

    start: int
    end: int
    variants: list[Variant]

    @property
    def disputed(self) -> bool:
        return any(not v.agreed for v in self.variants)

    @property
    def open(self) -> int:
        return sum(v.decision == "open" for v in self.variants)


def annotators(article: Article) -> list[tuple[int, str]]:
    """The article's assigned annotators (user id, username), by username."""
    return list(
        Assignment.objects.filter(article=article)
        .order_by("annotator__username")
        .values_list("annotator_id", "annotator__username")
    )


def ready_problem(article: Article) -> str | None:
    """Why the article cannot be adjudicated yet, or None: two or more annotators, all done."""
    states = list(Assignment.objects.filter(article=article).values_list("state", flat=True))
    if len(states) < 2:
        return _("Only an article with two or more annotators is adjudicated.")
    waiting = sum(state != AssignmentState.DONE for state in states)
    if waiting:
        return ngettext(
            "%(n)s annotator has not marked this article done yet.",
            "%(n)s annotators have not marked this article done yet.",
            waiting,
        ) % {"n": waiting}
    return None


def _annotated(user: AbstractBaseUser, article: Article) -> bool:
    return Assignment.objects.filter(article=article, annotator=user).exists()


def refusal(user: AbstractBaseUser, article: Article) -> str | None:
    """Why this user may not adjudicate this article now, or None."""
    return permissions.adjudication_refusal(user, article, annotated=_annotated(user, article))


def proposals(article: Article) -> Any:
    """The annotators' own work on the article that adjudication weighs: out of draft, on the
    current text, by the assigned annotators."""
    return Annotation.objects.filter(
        article=article,
        origin=Origin.ANNOTATOR,
        anchor=Anchor.ANCHORED,
        author__assignments__article=article,
    ).exclude(status=Status.DRAFT)


def adjudicated_set(article: Article) -> Any:
    return Annotation.objects.filter(article=article, origin=Origin.ADJUDICATION)


def variants(article: Article, adjudication: Adjudication | None = None) -> list[Cluster]:
    """The annotators' spans as clusters of variants, in text order, with their decisions."""
    people = annotators(article)
    grouped: dict[tuple[int, int, str], Variant] = {}
    for pk, start, end, label, quote, author in (
        proposals(article)
        .order_by("start", "-end", "label", "author__username", "pk")
        .values_list("pk", "start", "end", "label", "quote", "author__username")
    ):
        variant = grouped.setdefault((start, end, label), Variant(start, end, label, quote))
        variant.annotations.append(pk)
        if author not in variant.proposers:
            variant.proposers.append(author)
    accepted: set[int] = set()
    rejected: set[int] = set()
    if adjudication is not None:
        accepted = set(
            Annotation.derived_from.through.objects.filter(
                from_annotation__article=article
            ).values_list("to_annotation_id", flat=True)
        )
        rejected = set(adjudication.rejected.values_list("pk", flat=True))
    clusters: list[Cluster] = []
    for variant in grouped.values():
        variant.agreed = len(variant.proposers) == len(people) >= 2
        if accepted.intersection(variant.annotations) or (adjudication is None and variant.agreed):
            variant.decision = "accepted"
        elif rejected.issuperset(variant.annotations):
            variant.decision = "rejected"
        if clusters and variant.start < clusters[-1].end:
            clusters[-1].variants.append(variant)
            clusters[-1].end = max(clusters[-1].end, variant.end)
        else:
            clusters.append(Cluster(variant.start, variant.end, [variant]))
    return clusters


def open_adjudication(*, user: AbstractBaseUser, article: Article) -> Adjudication:
    """The article's adjudication, opened by this curator if it has none yet.

    Opening puts every agreed variant into the set at once: what everyone drew alike needs no
    decision (the curator can still take it out).
    """
    existing = Adjudication.objects.filter(article=article).first()
    if existing is not None:
        return existing
    why = refusal(user, article) or ready_problem(article)
    if why:
        raise PermissionDenied(why)
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        existing = Adjudication.objects.filter(article=locked).first()
        if existing is not None:
            return existing
        adjudication = Adjudication.objects.create(
            article=locked,
            project_id=locked.project_id,
            curator=user,
            curator_annotated=_annotated(user, locked),
        )
        for cluster in variants(locked):
            for variant in cluster.variants:
                if variant.agreed:
                    span = anchoring.span_at(locked.body, variant.start, variant.end)
                    _make(adjudication, user, [variant], span, variant.label)
        _carry_links(adjudication, user)
    return adjudication


def _curating(user: AbstractBaseUser, adjudication: Adjudication) -> Adjudication:
    """Lock the adjudication for this step and check the user may take it; call inside the
    step's transaction, so two tabs (or a finish) never interleave their decisions."""
    locked = (
        Adjudication.objects.select_for_update().select_related("curator").get(pk=adjudication.pk)
    )
    locked.article = adjudication.article
    if locked.curator_id != user.pk:
        raise PermissionDenied(
            _("%(curator)s is adjudicating this article; only they can change it.")
            % {"curator": locked.curator}
        )
    if locked.finished:
        raise PermissionDenied(_("This adjudication is finished."))
    why = refusal(user, locked.article)
    if why:
        raise PermissionDenied(why)
    return locked


def _chosen(adjudication: Adjudication, ids: list[int]) -> tuple[list[Variant], list[Cluster]]:
    """The variants holding these annotator annotations, and the clusters they were found in;
    a 400 naming `annotations` if any id is not one of the article's proposals."""
    clusters = variants(adjudication.article, adjudication)
    by_id = {
        pk: variant
        for cluster in clusters
        for variant in cluster.variants
        for pk in variant.annotations
    }
    unknown = [pk for pk in ids if pk not in by_id]
    if unknown:
        raise ValidationError(
            {
                "annotations": _("Not an annotator’s annotation on this article: %(ids)s.")
                % {"ids": ", ".join(map(str, unknown))}
            }
        )
    chosen: list[Variant] = []
    for pk in ids:
        if by_id[pk] not in chosen:
            chosen.append(by_id[pk])
    return chosen, clusters


def _make(
    adjudication: Adjudication,
    curator: AbstractBaseUser,
    chosen: list[Variant],
    span: anchoring.Span,
    label: str,
) -> Annotation:
    article = adjudication.article
    proposers = sorted({name for v in chosen for name in v.proposers})
    sources = [pk for v in chosen for pk in v.annotations]
    notes = list(
        dict.fromkeys(
            note
            for note in Annotation.objects.filter(pk__in=sources)
            .order_by("author__username", "pk")
            .values_list("note", flat=True)
            if note.strip()
        )
    )
    annotation = Annotation(
        project_id=article.project_id,
        article=article,
        revision=article.revision,
        author=curator,
        label=label,
        **asdict(span),
        note="\n\n".join(notes)[:10_000],
        origin=Origin.ADJUDICATION,
        proposed_by=", ".join(proposers)[:1000],
    )
    annotation._history_user = curator
    annotation.save()
    annotation.derived_from.set(sources)
    kept: dict[int, EvidenceLink] = {}
    for link in EvidenceLink.objects.filter(annotation_id__in=sources).order_by("created_at", "pk"):
        kept.setdefault(link.evidence_id, link)
    EvidenceLink.objects.bulk_create(
        EvidenceLink(
            annotation=annotation,
            evidence_id=link.evidence_id,
            stance=link.stance,
            note=link.note,
            added_by=link.added_by,
        )
        for link in kept.values()
    )
    return annotation


def _carry_links(adjudication: Adjudication, user: AbstractBaseUser) -> None:
    """Link adjudicated spans as the annotators linked the spans they came from.

    Adds what is missing and never removes: a link the curator's choices made illegal (say,
    two claims) is skipped.
    """
    made_from: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in adjudicated_set(adjudication.article).prefetch_related("derived_from"):
        for source in annotation.derived_from.all():
            made_from[source.pk].append(annotation)
    if not made_from:
        return
    existing = set(
        AnnotationLink.objects.filter(
            source__article=adjudication.article, source__origin=Origin.ADJUDICATION
        ).values_list("source_id", "target_id")
    )
    for source_id, target_id in AnnotationLink.objects.filter(
        source_id__in=list(made_from), target_id__in=list(made_from)
    ).values_list("source_id", "target_id"):
        for source in made_from[source_id]:
            for target in made_from[target_id]:
                if (source.pk, target.pk) in existing or source.pk == target.pk:
                    continue
                try:
                    kind = linking.link_kind(source, target)
                except ValueError:
                    continue
                AnnotationLink.objects.create(
                    source=source, target=target, kind=kind, created_by=user
                )
                existing.add((source.pk, target.pk))


def _span(
    article: Article, start: int | None, end: int | None, quote: str | None
) -> anchoring.Span | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValidationError({"end" if start is not None else "start": _("Give both ends.")})
    try:
        return anchoring.span_at(article.body, start, end, quote)
    except anchoring.SpanError as exc:
        raise ValidationError({exc.field: exc.message}) from exc


def _label(label: str | None, chosen: list[Variant]) -> str:
    if label is not None:
        if label not in Label.values:
            raise ValidationError({"label": _("One of %(labels)s.") % {"labels": Label.values}})
        return label
    labels = {v.label for v in chosen}
    if len(labels) != 1:
        raise ValidationError({"label": _("The variants differ in label: choose one.")})
    return labels.pop()


def accept(
    *,
    user: AbstractBaseUser,
    adjudication: Adjudication,
    annotations: list[int],
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    label: str | None = None,
) -> Annotation:
    """Put a span into the set from the variants holding `annotations`.

    One variant as drawn is accepting it; several are merged (from the first start to the
    last end); a span or label given is an edit. Either way the proposers are the variants'.
    Accepting settles the cluster: its other open variants that overlap the span are turned
    down (the curator can take that back).
    """
    if not annotations:
        raise ValidationError({"annotations": _("Choose at least one variant.")})
    with transaction.atomic():
        adjudication = _curating(user, adjudication)
        chosen, clusters = _chosen(adjudication, annotations)
        article = adjudication.article
        span = _span(article, start, end, quote) or anchoring.span_at(
            article.body, min(v.start for v in chosen), max(v.end for v in chosen)
        )
        made = _make(adjudication, user, chosen, span, _label(label, chosen))
        losers = [
            pk
            for cluster in clusters
            if any(v in chosen for v in cluster.variants)
            for v in cluster.variants
            if v not in chosen
            and v.decision == "open"
            and v.start < made.end
            and made.start < v.end
            for pk in v.annotations
        ]
        adjudication.rejected.add(*losers)
        _carry_links(adjudication, user)
    return made


def add(
    *,
    user: AbstractBaseUser,
    adjudication: Adjudication,
    start: int,
    end: int,
    label: str,
    quote: str | None = None,
) -> Annotation:
    """Add a span nobody proposed: it will go to another reviewer, not be adjudicated."""
    span = _span(adjudication.article, start, end, quote)
    assert span is not None
    with transaction.atomic():
        adjudication = _curating(user, adjudication)
        return _make(adjudication, user, [], span, _label(label, []))


def change(
    *,
    user: AbstractBaseUser,
    adjudication: Adjudication,
    annotation: Annotation,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    label: str | None = None,
) -> Annotation:
    """Edit a span of the set: move it, or give it another label."""
    _check_in_set(adjudication, annotation)
    span = _span(adjudication.article, start, end, quote)
    with transaction.atomic():
        adjudication = _curating(user, adjudication)
        locked = Annotation.objects.select_for_update().get(pk=annotation.pk)
        if span is not None:
            for name, value in asdict(span).items():
                setattr(locked, name, value)
        if label is not None:
            locked.label = _label(label, [])
            locked.outgoing_links.all().delete()
            locked.incoming_links.all().delete()
        locked.version += 1
        locked._history_user = user
        locked.save()
        _carry_links(adjudication, user)
    return locked


def _check_in_set(adjudication: Adjudication, annotation: Annotation) -> None:
    if annotation.article_id != adjudication.article_id or annotation.origin != Origin.ADJUDICATION:
        raise ValidationError({"annotation": _("Not in this article’s adjudicated set.")})


def remove(*, user: AbstractBaseUser, adjudication: Adjudication, annotation: Annotation) -> None:
    """Take a span out of the set; its variants open again."""
    _check_in_set(adjudication, annotation)
    with transaction.atomic():
        _curating(user, adjudication)
        annotation.delete()


def reject(*, user: AbstractBaseUser, adjudication: Adjudication, annotations: list[int]) -> None:
    """Turn down the variants holding `annotations`."""
    with transaction.atomic():
        adjudication = _curating(user, adjudication)
        chosen, _clusters = _chosen(adjudication, annotations)
        adjudication.rejected.add(*[pk for v in chosen for pk in v.annotations])


def reopen(*, user: AbstractBaseUser, adjudication: Adjudication, annotations: list[int]) -> None:
    """Take back a rejection: the variants are open again."""
    with transaction.atomic():
        adjudication = _curating(user, adjudication)
        chosen, _clusters = _chosen(adjudication, annotations)
        adjudication.rejected.remove(*[pk for v in chosen for pk in v.annotations])


def finish(*, user: AbstractBaseUser, adjudication: Adjudication) -> Adjudication:
    """Settle the article: every variant decided, the set through review, blind mode over."""
    article = adjudication.article
    with transaction.atomic():
        locked = _curating(user, adjudication)
        still_open = sum(c.open for c in variants(article, locked))
        if still_open:
            raise ValidationError(
                {
                    "variants": ngettext(
                        "%(n)s variant is still undecided: accept or reject it first.",
                        "%(n)s variants are still undecided: accept or reject them first.",
                        still_open,
                    )
                    % {"n": still_open}
                }
            )
        accepted = set(
            Annotation.derived_from.through.objects.filter(
                from_annotation__article=article
            ).values_list("to_annotation_id", flat=True)
        )
        own_work = (
            _("Adjudicated by one of the article’s annotators, as the project allows.")
            if locked.curator_annotated
            else ""
        )
        for annotation in adjudicated_set(article).filter(status=Status.DRAFT).order_by("pk"):
            if annotation.proposed_by:
                workflow.perform("adjudicate", annotation=annotation, user=user, note=own_work)
            else:
                workflow.perform("submit", annotation=annotation, user=user)
        for annotation in (
            proposals(article).filter(status=Status.SUBMITTED).exclude(author=user).order_by("pk")
        ):
            kept = annotation.pk in accepted
            workflow.perform(
                "approve" if kept else "reject",
                annotation=annotation,
                user=user,
                note=_("Kept in the adjudicated set.")
                if kept
                else _("Not kept in the adjudicated set."),
            )
        now = timezone.now()
        locked.finished_at = now
        locked._history_user = user
        locked.save(update_fields=["finished_at"])
        Article.objects.filter(pk=article.pk, unblinded_at__isnull=True).update(unblinded_at=now)
    return locked


def unblind(*, user: AbstractBaseUser, article: Article) -> None:
    """A manager opens a blind article up before (or without) adjudication."""
    if not permissions.can_manage(user, article.project):
        raise PermissionDenied(_("Only the project’s managers open articles up."))
    Article.objects.filter(pk=article.pk, unblinded_at__isnull=True).update(
        unblinded_at=timezone.now()
    )
