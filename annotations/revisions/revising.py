"""Corrected articles: a new revision of the text, and every annotation re-anchored on it.

One transaction: the article row and all its annotations are locked, the revision is stored,
every annotation is placed by reanchoring.py (mapped, found, proposed or orphaned), and approved
annotations whose words changed go back to their authors with the reason. Nothing is silently
moved: what is only proposed keeps its old place and revision until a person confirms.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from annotations.access import permissions
from annotations.choices import Anchor
from annotations.common import concurrency
from annotations.models import Annotation, Article, ArticleRevision
from annotations.models.content import WITHOUT_ADDRESS
from annotations.review import statuses, workflow
from annotations.revisions import reanchoring
from annotations.spans import anchoring

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

REANCHORED_FIELDS = [
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "revision",
    "anchor",
    "proposed_start",
    "proposed_end",
    "version",
]


class RevisionConflict(Exception):
    """The article has a newer revision than the one the caller corrected; nothing was stored."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(
            _(
                "The article is at revision %(current)s, not %(expected)s: someone corrected it "
                "meanwhile. Reload it and apply your correction to the current text."
            )
            % {"current": current, "expected": expected}
        )


def _span(annotation: Annotation) -> reanchoring.Span:
    return reanchoring.Span(
        annotation.start, annotation.end, annotation.quote, annotation.prefix, annotation.suffix
    )


@concurrency.retrying
def add_revision(
    *,
    user: AbstractBaseUser,
    article: Article,
    body: str,
    note: str = "",
    expected_revision: int | None = None,
) -> ArticleRevision:
    """Store a corrected text as the article's next revision and re-anchor its annotations."""
    if not permissions.can_revise(user, article):
        raise PermissionDenied(_("You may not correct articles of this project."))
    body = anchoring.normalise_body(body)
    if not body:
        raise ValidationError({"body": _("The article text is empty.")})
    with transaction.atomic():
        locked = Article.objects.select_for_update(of=("self",)).get(pk=article.pk)
        if expected_revision is not None and locked.revision != expected_revision:
            raise RevisionConflict(expected=expected_revision, current=locked.revision)
        if anchoring.body_hash(body) == locked.body_hash:
            raise ValidationError({"body": _("The text is the same as the current revision’s.")})
        _refuse_same_as_another(locked, body)
        number = locked.revision + 1
        annotations = list(
            Annotation.objects.select_for_update(of=("self",)).filter(article=locked).order_by("pk")
        )
        texts = dict(
            locked.revisions.filter(number__in={a.revision for a in annotations}).values_list(
                "number", "body"
            )
        )
        counts: Counter[str] = Counter()
        requeue = []
        for source in sorted(texts):
            group = [a for a in annotations if a.revision == source]
            outcomes = reanchoring.reanchor(texts[source], body, [_span(a) for a in group])
            for annotation, outcome in zip(group, outcomes, strict=True):
                counts[outcome.kind] += 1
                _place(annotation, outcome, number)
                if outcome.kind in ("proposed", "orphaned") and statuses.is_frozen(
                    annotation.status
                ):
                    requeue.append(annotation)
        revision = ArticleRevision.objects.create(
            article=locked,
            number=number,
            body=body,
            body_hash=anchoring.body_hash(body),
            note=note.strip()[:500],
            created_by=user,
            **{kind: counts[kind] for kind in ("mapped", "found", "proposed", "orphaned")},
        )
        locked.body, locked.revision = body, number
        locked._history_user = user
        locked.save(update_fields=["body", "revision", "updated_at"])
        bulk_update_with_history(
            annotations, Annotation, REANCHORED_FIELDS, default_user=user, batch_size=500
        )
        for annotation in requeue:
            workflow.perform(
                "requeue",
                annotation=annotation,
                user=user,
                note=_(
                    "The article was corrected (revision %(number)s) and the quoted words "
                    "changed: %(what_now)s"
                )
                % {"number": number, "what_now": _what_now(annotation)},
            )
    return revision


def _refuse_same_as_another(article: Article, body: str) -> None:
    """An article without an address is its title and text (Article's docstring): a correction
    may not make it another one. With an address it may; the caller tells the desk."""
    if article.has_address:
        return
    other = article.duplicates(body).filter(WITHOUT_ADDRESS).first()
    if other is not None:
        raise ValidationError(
            {
                "body": _(
                    "Article %(id)s already has this title and text: a correction cannot make "
                    "this article the same as another."
                )
                % {"id": other.pk}
            }
        )


def _what_now(annotation: Annotation) -> str:
    if annotation.anchor == Anchor.PROPOSED:
        return _("confirm the proposed span or select the right one.")
    return _("select the span again on the corrected text, or retire the annotation.")


def _place(annotation: Annotation, outcome: reanchoring.Outcome, number: int) -> None:
    """Record where the annotation stands on the new revision."""
    annotation.version += 1
    if outcome.kind in ("mapped", "found") and outcome.span is not None:
        span = outcome.span
        annotation.start, annotation.end, annotation.quote = span.start, span.end, span.quote
        annotation.prefix, annotation.suffix = span.prefix, span.suffix
        annotation.revision, annotation.anchor = number, Anchor.ANCHORED
        annotation.proposed_start = annotation.proposed_end = None
    elif outcome.kind == "proposed" and outcome.span is not None:
        annotation.anchor = Anchor.PROPOSED
        annotation.proposed_start, annotation.proposed_end = outcome.span.start, outcome.span.end
    else:
        annotation.anchor = Anchor.ORPHANED
        annotation.proposed_start = annotation.proposed_end = None


def changes_between(article: Article, start: int, end: int) -> list[list[str]]:
    """The words changed from one revision of the article to another (reanchoring.changes);
    raise ValidationError naming `from` or `to` for a revision the article does not have."""
    texts = dict(article.revisions.filter(number__in=[start, end]).values_list("number", "body"))
    for name, number in (("from", start), ("to", end)):
        if number not in texts:
            raise ValidationError(
                {name: _("Revision %(number)s does not exist.") % {"number": number}}
            )
    return reanchoring.changes(texts[start], texts[end]) if start != end else []
