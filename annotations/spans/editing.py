"""Writes authors make: creating, changing and deleting annotations, their links and evidence.

Every function checks permissions.py, validates through anchoring.py and linking.py, and takes
the row locks of models/locking.py, so the API and the pages share one set of rules.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from annotations.access import permissions
from annotations.choices import Anchor, Label, Stance
from annotations.common import concurrency
from annotations.common.inputs import MAX_ID, normalise_url
from annotations.models import (
    Annotation,
    AnnotationLink,
    Article,
    Evidence,
    EvidenceLink,
    Project,
    history,
    locking,
)
from annotations.models.content import WITHOUT_ADDRESS
from annotations.spans import anchoring, linking

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class AlreadyAttached(Exception):
    """The evidence is on the annotation already, with another stance or note."""


EDITABLE_FIELDS = frozenset({"label", "note", "start", "end", "quote"})


def _resolve_span(
    body: str,
    *,
    start: int | None,
    end: int | None,
    quote: str | None,
    prefix: str = "",
    suffix: str = "",
) -> anchoring.Span:
    try:
        if start is not None or end is not None:
            if start is None or end is None:
                missing = "start" if start is None else "end"
                raise anchoring.SpanError("start and end are given together.", missing)
            return anchoring.span_at(body, start, end, quote)
        if quote is None:
            raise anchoring.SpanError(_("Give start and end, or a quote to find."), "quote")
        return anchoring.locate(body, quote, prefix, suffix)
    except anchoring.SpanError as exc:
        raise ValidationError({exc.field: exc.message}) from exc


def create_article(*, user: AbstractBaseUser, project: Project, **fields: Any) -> Article:
    """Store a new article in a project; its text is normalised, and an article the project
    already holds (the same address, or without one the same title and text) is refused."""
    if not permissions.can_create_article(user, project):
        raise PermissionDenied(_("You may not add articles to %(project)s.") % {"project": project})
    article = Article(created_by=user, project=project, **fields)
    article.body = anchoring.normalise_body(article.body)
    if not article.body:
        raise ValidationError({"body": _("The article text is empty.")})
    _refuse_held(project, article)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as exc:  # a concurrent request stored the same article first
        raise ValidationError({"body": _("The project already has this article.")}) from exc
    return article


def _refuse_held(project: Project, article: Article) -> None:
    """Refuse an article the project already holds, by the identity Article's docstring sets:
    its address when it has one, else its title and text."""
    held = Article.objects.filter(project=project)
    if article.has_address:
        for field in ("canonical_url", "source_url"):
            url = getattr(article, field)
            same = held.at_address(normalise_url(url)).first() if url else None
            if same is not None:
                raise ValidationError(
                    {
                        field: _("The project already has the article at this address (id %(id)s).")
                        % {"id": same.pk}
                    }
                )
        return
    same = held.filter(
        WITHOUT_ADDRESS,
        title=article.title.strip(),
        body_hash=anchoring.body_hash(article.body),
    ).first()
    if same is not None:
        raise ValidationError(
            {
                "body": _("An article with this title and text already exists (id %(id)s).")
                % {"id": same.pk}
            }
        )


def _check_choice(field: str, value: str, choices: type[Label] | type[Stance]) -> None:
    if value not in choices.values:
        raise ValidationError({field: _not_one_of(value, choices.values)})


def label_change_problem(annotation: Annotation, label: str) -> str | None:
    """Say why this annotation cannot take `label` (unknown, or its links forbid it), if so."""
    if label not in Label.values:
        return _not_one_of(label, Label.values)
    if label == annotation.label or annotation.pk is None:
        return None
    outgoing = annotation.outgoing_links.values_list("kind", "target__label")
    incoming = annotation.incoming_links.values_list("source__label", flat=True)
    problem = linking.label_change_problem(label, outgoing=list(outgoing), incoming=list(incoming))
    return _("The label cannot change. %(why)s") % {"why": problem} if problem else None


def _not_one_of(value: object, allowed: list[str]) -> str:
    return _("%(value)r is not one of %(allowed)s.") % {
        "value": value,
        "allowed": ", ".join(allowed),
    }


@concurrency.retrying
def create_annotation(
    *,
    article: Article,
    author: AbstractBaseUser,
    label: str,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    prefix: str = "",
    suffix: str = "",
    note: str = "",
) -> Annotation:
    """Create a draft; offsets (with the quote the client saw) or a quote to locate anchor it."""
    if not permissions.can_create_annotation(author, article):
        raise PermissionDenied(_("You do not annotate in this article’s project."))
    _check_choice("label", label, Label)
    span = _resolve_span(
        article.body, start=start, end=end, quote=quote, prefix=prefix, suffix=suffix
    )
    annotation = Annotation(
        # The project object, not just its id: the answer is built from this row after the
        # commit, and must not need the database then.
        project=article.project,
        article=article,
        revision=article.revision,
        author=author,
        label=label,
        **asdict(span),
        note=note,
    )
    history.insert(annotation, user=author)
    return annotation


@concurrency.retrying
def update_annotation(
    *,
    annotation: Annotation,
    user: AbstractBaseUser,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Annotation:
    """Apply label, note or span changes; the span is re-anchored and re-validated."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("This field cannot be changed here.")))
    with transaction.atomic():
        locked = locking.lock(annotation, expected_version)
        _check_editable(user, locked)
        if "label" in changes:
            problem = label_change_problem(locked, changes["label"])
            if problem:
                raise ValidationError({"label": problem})
            locked.label = changes["label"]
        if "note" in changes:
            locked.note = changes["note"]
        if {"start", "end", "quote"} & set(changes):
            # Offsets left out keep their value only while they count into the current text.
            current = locked.anchor == Anchor.ANCHORED and "quote" not in changes
            span = _resolve_span(
                locked.article.body,
                start=changes.get("start", locked.start if current else None),
                end=changes.get("end", locked.end if current else None),
                quote=changes.get("quote"),
            )
            _anchor_on_current(locked, span)
        locked.version += 1
        locked._history_user = user
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as exc:  # the database's own guard on link shapes
            raise ValidationError(
                {"label": _("The label cannot change: its links forbid it.")}
            ) from exc
    return locked


def _anchor_on_current(annotation: Annotation, span: anchoring.Span) -> None:
    """Place the annotation on the article's current text (a new span, or a proposal taken)."""
    for name, value in asdict(span).items():
        setattr(annotation, name, value)
    annotation.revision = annotation.article.revision
    annotation.anchor = Anchor.ANCHORED
    annotation.proposed_start = annotation.proposed_end = None


@concurrency.retrying
def confirm_proposal(
    *, annotation: Annotation, user: AbstractBaseUser, expected_version: int | None = None
) -> Annotation:
    """Accept the place a correction proposed for the annotation on the current text."""
    with transaction.atomic():
        locked = locking.lock(annotation, expected_version)
        _check_editable(user, locked)
        if locked.anchor != Anchor.PROPOSED:
            raise ValidationError({"anchor": _("This annotation has no proposed span to confirm.")})
        body = locked.article.body
        _anchor_on_current(
            locked, anchoring.span_at(body, locked.proposed_start, locked.proposed_end)
        )
        locked.version += 1
        locked._history_user = user
        locked.save()
    return locked


@concurrency.retrying
def delete_annotation(
    *, annotation: Annotation, user: AbstractBaseUser, expected_version: int | None = None
) -> None:
    with transaction.atomic():
        locked = locking.lock(annotation, expected_version)
        if not permissions.can_delete_annotation(user, locked):
            raise PermissionDenied(permissions.edit_refusal(locked))
        locked._history_user = user
        locked.delete()


def _check_editable(user: AbstractBaseUser, annotation: Annotation) -> None:
    if not permissions.can_edit_annotation(user, annotation):
        raise PermissionDenied(permissions.edit_refusal(annotation))


def _touch(annotation: Annotation, user: AbstractBaseUser) -> None:
    """Bump the version: links and evidence are part of what a client's copy shows."""
    annotation.version += 1
    annotation._history_user = user
    annotation.save(update_fields=["version", "updated_at"])


@concurrency.retrying
def add_link(
    *,
    source: Annotation,
    target: Annotation,
    user: AbstractBaseUser,
    expected_version: int | None = None,
) -> AnnotationLink:
    """Link source to target; both rows are locked, so the labels checked are the labels stored."""
    with transaction.atomic():
        if target.pk == source.pk:
            raise ValidationError({"target": _("An annotation cannot link to itself.")})
        try:
            locked, locked_target = locking.lock_pair(source, target.pk, expected_version)
        except Annotation.DoesNotExist as exc:
            raise ValidationError({"target": str(exc)}) from exc
        _check_editable(user, locked)
        try:
            kind = linking.link_kind(locked, locked_target)
        except ValueError as exc:
            raise ValidationError({"target": str(exc)}) from exc
        if AnnotationLink.objects.filter(source=locked, target=locked_target).exists():
            raise ValidationError({"target": _("These annotations are already linked.")})
        link = AnnotationLink.objects.create(
            source=locked, target=locked_target, kind=kind, created_by=user
        )
        _touch(locked, user)
    return link


@concurrency.retrying
def remove_link(
    *,
    source: Annotation,
    target_id: int,
    user: AbstractBaseUser,
    expected_version: int | None = None,
) -> Annotation:
    with transaction.atomic():
        locked = locking.lock(source, expected_version)
        _check_editable(user, locked)
        deleted, _kinds = AnnotationLink.objects.filter(source=locked, target_id=target_id).delete()
        if not deleted:
            raise ValidationError({"target": _("This annotation has no link to that one.")})
        _touch(locked, user)
    return locked


def add_evidence(*, user: AbstractBaseUser, project: Project, **fields: Any) -> Evidence:
    """Store a new source in a project."""
    if not permissions.can_add_evidence(user, project):
        raise PermissionDenied(_("You may not add evidence to %(project)s.") % {"project": project})
    evidence = Evidence(added_by=user, project=project, **fields)
    evidence.full_clean()
    with transaction.atomic():  # the row and its history row commit together, or neither
        evidence.save()
    return evidence


def _find_or_add_evidence(
    *, user: AbstractBaseUser, project: Project, url: str = "", **fields: Any
) -> Evidence:
    """Reuse the project's stored source with this URL, so one source backs many annotations."""
    if not url:
        raise ValidationError(
            {"url": _("Give the id of stored evidence, or the url and title of a new source.")}
        )
    url = normalise_url(url)
    stored = Evidence.objects.filter(project=project, url=url)
    existing = stored.first()
    if existing is not None:
        return existing
    try:
        return add_evidence(user=user, project=project, url=url, **fields)
    except ValidationError:
        # full_clean() found the URL taken: someone stored the same source a moment ago.
        existing = stored.first()
        if existing is None:
            raise
        return existing
    except IntegrityError:
        # The unique constraint caught a concurrent insert that full_clean() could not see.
        return stored.get()


@concurrency.retrying
def attach_evidence(
    *,
    annotation: Annotation,
    stance: str,
    user: AbstractBaseUser,
    evidence: Evidence | None = None,
    source: dict[str, Any] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> EvidenceLink:
    """Attach stored evidence, or a new source (`source`: url, title...) found or stored first.

    Attaching the same source with the same stance again changes nothing (a retried request
    gets the first one's answer); with another stance it is a conflict. Everything is checked
    before anything is written, and the source is stored in the same transaction as the link:
    a refused attach leaves no source behind.
    """
    _check_choice("stance", stance, Stance)
    if evidence is not None and evidence.project_id != annotation.project_id:
        raise ValidationError({"evidence": _("That evidence belongs to another project.")})
    with transaction.atomic():
        locked = locking.lock(annotation, expected_version)
        _check_editable(user, locked)
        if evidence is None:
            evidence = _find_or_add_evidence(
                user=user, project=annotation.project, **(source or {})
            )
        attached = EvidenceLink.objects.filter(annotation=locked, evidence=evidence).first()
        if attached is not None:
            if attached.stance == stance and attached.note == note:
                return attached
            raise AlreadyAttached(
                _(
                    "This evidence is already attached as %(stance)s; detach it first to "
                    "change its stance or note."
                )
                % {"stance": attached.get_stance_display().lower()}
            )
        link = EvidenceLink.objects.create(
            annotation=locked, evidence=evidence, stance=stance, note=note, added_by=user
        )
        _touch(locked, user)
    return link


@concurrency.retrying
def detach_evidence(
    *,
    annotation: Annotation,
    evidence_id: int,
    user: AbstractBaseUser,
    expected_version: int | None = None,
) -> Annotation:
    with transaction.atomic():
        locked = locking.lock(annotation, expected_version)
        _check_editable(user, locked)
        links = EvidenceLink.objects.filter(annotation=locked, evidence_id=evidence_id)
        # An id past the database's range names nothing (SQLite cannot even compare it).
        deleted, _kinds = (links if evidence_id <= MAX_ID else links.none()).delete()
        if not deleted:
            raise ValidationError(
                {"evidence": _("That evidence is not attached to this annotation.")}
            )
        _touch(locked, user)
    return locked
