"""Verdicts: from an approved claim to a published fact-check.

A fact-checker drafts a verdict on an approved claim (prefilled from the claim: who made it,
from the attribution linked to it; when and where it appeared, from its article); it goes
through its own four-eyes review (verdict_statuses.py) and, once published, is ClaimReview
(claimreview.py) in the project's feeds until it is retracted. Every change is a history row
and every step a VerdictEvent. A published verdict changes only through a correction
(VerdictCorrection) that another reviewer approves: until then the public keeps the published
version; once approved it carries dateModified, and the correction keeps what changed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations.access import permissions
from annotations.choices import CorrectionStatus, Label, LinkKind, Status, VerdictStatus
from annotations.common import concurrency
from annotations.models import (
    SUMMARY_MAX,
    Annotation,
    Project,
    Rating,
    Verdict,
    VerdictCorrection,
    VerdictEvent,
)
from annotations.verdicts import claimreview, verdict_statuses
from annotations.verdicts.verdict_statuses import CORRECTION_STEPS, TRANSITIONS

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# A common scale (the best first); Unproven stands off it.
DEFAULT_SCALE = [
    (gettext_lazy("True"), 5, gettext_lazy("Accurate, with nothing significant missing.")),
    (gettext_lazy("Mostly true"), 4, gettext_lazy("Accurate, but needs clarification.")),
    (gettext_lazy("Mixed"), 3, gettext_lazy("Partly accurate, partly not.")),
    (gettext_lazy("Mostly false"), 2, gettext_lazy("Contains some truth, but misleads.")),
    (gettext_lazy("False"), 1, gettext_lazy("Not accurate.")),
    (gettext_lazy("Unproven"), None, gettext_lazy("The evidence does not settle it.")),
]
BEST_FIRST = F("value").desc(nulls_last=True)  # off-scale ratings (Unproven) last
FIELDS = (
    "rating",
    "summary",
    "claimant",
    "claimant_is_organization",
    "claim_date",
    "appearance_url",
    "review_url",
)


class VerdictConflict(ValidationError):
    """Refused for the state the verdict or its claim is in, not for what was sent: the API
    answers 409 with `code`, the pages show it like any other refusal."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__({field: [message]})
        self.reason = message
        self.reason_code = code


def ratings(project: Project) -> list[Rating]:
    """The project's rating scale, best first; a project without one gets the common one."""
    found = list(Rating.objects.filter(project=project).order_by(BEST_FIRST, "name"))
    if found:
        return found
    with transaction.atomic():
        for name, value, description in DEFAULT_SCALE:
            Rating.objects.get_or_create(
                project=project,
                name=str(name),
                defaults={"value": value, "description": str(description)},
            )
    return list(Rating.objects.filter(project=project).order_by(BEST_FIRST, "name"))


def claimant_of(claim: Annotation) -> str:
    """Who made the claim, from the attribution linked to it ("McCaul stated" -> the quote)."""
    said = (
        claim.incoming_links.filter(kind=LinkKind.ATTRIBUTES, source__label=Label.ATTRIBUTION)
        .order_by("created_at", "pk")
        .values_list("source__quote", flat=True)
        .first()
    )
    return (said or "")[:300]


def prefill(claim: Annotation) -> dict[str, Any]:
    """A new verdict's fields, as far as the claim and its article tell them."""
    article = claim.article
    summary = claim.quote if len(claim.quote) <= SUMMARY_MAX else claim.quote[: SUMMARY_MAX - 1]
    return {
        "summary": summary,
        "claimant": claimant_of(claim),
        "claim_date": article.published_on,
        "appearance_url": article.canonical_url or article.source_url,
    }


def _check_claim(claim: Annotation) -> None:
    if claim.label != Label.CLAIM:
        raise ValidationError({"claim": _("A verdict is on a claim, not on a %(label)s.") % {
            "label": claim.get_label_display().lower()}})  # fmt: skip
    if claim.status != Status.APPROVED:
        raise ValidationError(
            {"claim": _("Only an approved claim gets a verdict: this one is %(status)s.")
             % {"status": claim.get_status_display().lower()}}
        )  # fmt: skip


def _check_rating(verdict: Verdict) -> None:
    if verdict.rating_id is None:
        raise ValidationError({"rating": _("Choose a rating.")})
    if verdict.rating.project_id != verdict.project_id:
        raise ValidationError({"rating": _("That rating belongs to another project’s scale.")})


def draft(*, user: AbstractBaseUser, claim: Annotation, **fields: Any) -> Verdict:
    """Draft a verdict on an approved claim; fields not given are prefilled from it."""
    if not permissions.can_draft_verdict(user, claim.project):
        raise PermissionDenied(_("You do not check facts in this claim’s project."))
    _check_claim(claim)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("Not a verdict field.")))
    values = {**prefill(claim), **{k: v for k, v in fields.items() if v is not None}}
    verdict = Verdict(project_id=claim.project_id, claim=claim, author=user, **values)
    _check_rating(verdict)
    verdict.full_clean(exclude=["project", "claim", "author"])
    verdict._history_user = user
    with transaction.atomic():
        verdict.save()
    return verdict


@concurrency.retrying
def change(
    *,
    user: AbstractBaseUser,
    verdict: Verdict,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Verdict:
    """Change a drafted verdict (its author only). Submitted and approved ones wait for their
    decision; a published one changes only through a correction (propose_correction)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("Not a verdict field.")))
    with transaction.atomic():
        locked = Verdict.objects.select_for_update().get(pk=verdict.pk)
        if expected_version is not None and locked.version != expected_version:
            raise concurrency.VersionConflict(
                expected=expected_version, current=locked.version, what="verdict"
            )
        if locked.status in verdict_statuses.CORRECTABLE:
            raise VerdictConflict(
                _("A published verdict changes only through a correction that another reviewer "
                  "approves: propose one."),
                field="status",
                code="correct_published",
            )  # fmt: skip
        if locked.status not in verdict_statuses.EDITABLE:
            raise PermissionDenied(
                _("A %(status)s verdict cannot be changed: send it back first.")
                % {"status": locked.get_status_display().lower()}
            )
        if locked.author_id != user.pk:
            raise PermissionDenied(_("Only its author changes a drafted verdict."))
        for name, value in changes.items():
            setattr(locked, name, value)
        _check_rating(locked)
        locked.full_clean(exclude=["project", "claim", "author", "approved_by"])
        locked.version += 1
        locked._history_user = user
        locked.save()
    return locked


def publishing_problems(verdict: Verdict) -> dict[str, str]:
    """What a verdict lacks to be published as ClaimReview, by field."""
    problems = {}
    project = verdict.project
    if not project.publisher_name:
        problems["publisher_name"] = _("The project names no publishing organisation.")
    if not project.publisher_url:
        problems["publisher_url"] = _("The project’s publishing organisation has no URL.")
    if not verdict.review_url:
        problems["review_url"] = _("Give the URL of the published fact-check article.")
    if not verdict.appearance_url:
        problems["appearance_url"] = _("Give where the claim appeared.")
    return problems


def _check_step(name: str, verdict: Verdict, user: AbstractBaseUser, note: str) -> None:
    transition = TRANSITIONS[name]
    if transition.actor == "author" and verdict.author_id != user.pk:
        raise PermissionDenied(_("Only its author can %(step)s this verdict.") % {
            "step": transition.verb})  # fmt: skip
    if transition.actor == "reviewer" and not permissions.can_decide_verdict(user, verdict):
        if verdict.author_id == user.pk:
            raise PermissionDenied(
                _("You cannot %(step)s your own verdict: another reviewer must.")
                % {"step": transition.verb}
            )
        raise PermissionDenied(_("Only reviewers can %(step)s verdicts.") % {
            "step": transition.verb})  # fmt: skip
    if transition.actor == "publisher" and not permissions.can_publish_verdict(
        user, verdict.project
    ):
        raise PermissionDenied(_("Only reviewers and managers can %(step)s verdicts.") % {
            "step": transition.verb})  # fmt: skip
    if verdict.status not in transition.sources:
        raise ValidationError(
            {"status": _("Cannot %(step)s a verdict that is %(status)s.")
             % {"step": transition.verb, "status": verdict.get_status_display().lower()}}
        )  # fmt: skip
    if transition.note_required and not note.strip():
        raise ValidationError({"note": _("A note is required to %(step)s a verdict.") % {
            "step": transition.verb}})  # fmt: skip
    if transition.target == VerdictStatus.PUBLISHED:
        live = Verdict.objects.filter(claim=verdict.claim_id, status=VerdictStatus.PUBLISHED)
        if live.exclude(pk=verdict.pk).exists():
            raise VerdictConflict(
                _("This claim has a published verdict: retract it first."),
                field="claim",
                code="claim_has_published_verdict",
            )
        problems = publishing_problems(verdict)
        if problems:
            raise ValidationError(problems)
        _check_claim(verdict.claim)


def available(verdict: Verdict, user: AbstractBaseUser) -> list[str]:
    """The steps this user may take now (for buttons)."""
    allowed = []
    for name, transition in TRANSITIONS.items():
        try:
            _check_step(name, verdict, user, "x" if transition.note_required else "")
        except (PermissionDenied, ValidationError):
            continue
        allowed.append(name)
    return allowed


@concurrency.retrying
def perform(
    name: str,
    *,
    verdict: Verdict,
    user: AbstractBaseUser,
    note: str = "",
    expected_version: int | None = None,
) -> Verdict:
    """Take one step of the verdict's review and return it as stored afterwards."""
    transition = TRANSITIONS[name]
    note = note.strip()
    with transaction.atomic():
        locked = (
            Verdict.objects.select_for_update(of=("self",))
            .select_related("project", "claim", "rating")
            .get(pk=verdict.pk)
        )
        if expected_version is not None and locked.version != expected_version:
            raise concurrency.VersionConflict(
                expected=expected_version, current=locked.version, what="verdict"
            )
        if transition.target == VerdictStatus.PUBLISHED:
            # Publishers of two verdicts on one claim take turns here, so the second sees the
            # first one published and is refused, instead of meeting the unique index.
            Annotation.objects.select_for_update(of=("self",)).filter(pk=locked.claim_id).first()
        _check_step(name, locked, user, note)
        now = timezone.now()
        before = locked.status
        locked.status = transition.target
        locked.version += 1
        if name == "approve":
            locked.approved_by = user
        elif name == "send_back":
            locked.approved_by = None
        elif name == "publish":
            locked.published_at = now
        elif name == "retract":
            locked.retracted_at = now
            # A correction of what the public no longer sees has nothing left to correct.
            locked.corrections.filter(status=CorrectionStatus.PENDING).update(
                status=CorrectionStatus.WITHDRAWN,
                decided_by=user,
                decided_at=now,
                decision_note=note,
            )
        locked._history_user = user
        locked.save()
        VerdictEvent.objects.create(
            verdict=locked,
            actor=user,
            from_status=before,
            to_status=transition.target,
            note=note,
            created_at=now,
        )
    return locked


def check_live(verdict: Verdict) -> None:
    """Refuse to serve the ClaimReview (or its snippet) of a verdict the public may not see:
    one not yet published, or retracted."""
    if verdict.status == verdict_statuses.LIVE:
        return
    if verdict.status == VerdictStatus.RETRACTED:
        raise VerdictConflict(
            _("This verdict was retracted: it has no ClaimReview to publish or embed."),
            field="status",
            code="retracted",
        )
    raise VerdictConflict(
        _("This verdict is %(status)s: its ClaimReview exists once it is published.")
        % {"status": verdict.get_status_display().lower()},
        field="status",
        code="not_published",
    )


# Corrections of published verdicts ----------------------------------------------------------


def _recorded(value: Any) -> Any:
    """A field's value as a correction records it in JSON: a rating by its name, a date in ISO."""
    if isinstance(value, Rating):
        return value.name
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _field_value(project: Project, name: str, value: Any) -> Any:
    """A recorded value back as the verdict's field holds it."""
    if name == "rating":
        return rating_named(project, value)
    if name == "claim_date":
        return dt.date.fromisoformat(value) if value else None
    return value


def _lock_verdict(pk: int) -> Verdict:
    return (
        Verdict.objects.select_for_update(of=("self",))
        .select_related("project", "rating")
        .get(pk=pk)
    )


@concurrency.retrying
def propose_correction(
    *, user: AbstractBaseUser, verdict: Verdict, changes: dict[str, Any], note: str
) -> VerdictCorrection:
    """Propose a change to a published verdict. The public keeps the published version until
    another reviewer approves the correction (decide_correction)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("Not a verdict field.")))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what the correction corrects, and why.")})
    with transaction.atomic():
        locked = _lock_verdict(verdict.pk)
        if not permissions.can_propose_correction(user, locked):
            raise PermissionDenied(_("Only fact-checkers of its project correct a verdict."))
        if locked.status not in verdict_statuses.CORRECTABLE:
            raise VerdictConflict(
                _("Only a published verdict is corrected: this one is %(status)s.")
                % {"status": locked.get_status_display().lower()},
                field="status",
                code="not_published",
            )
        if locked.corrections.filter(status=CorrectionStatus.PENDING).exists():
            raise VerdictConflict(
                _("A correction of this verdict is waiting for review: have it decided, or "
                  "withdraw it, first."),
                field="correction",
                code="correction_pending",
            )  # fmt: skip
        before = {name: _recorded(getattr(locked, name)) for name in FIELDS}
        for name, value in changes.items():
            setattr(locked, name, value)  # on this copy only, to check the result: never saved
        _check_rating(locked)
        locked.full_clean(exclude=["project", "claim", "author", "approved_by"])
        after = {name: _recorded(getattr(locked, name)) for name in FIELDS}
        diff = {
            name: {"from": before[name], "to": after[name]}
            for name in FIELDS
            if before[name] != after[name]
        }
        if not diff:
            raise ValidationError({"non_field_errors": [_("The correction changes nothing.")]})
        return VerdictCorrection.objects.create(
            verdict_id=locked.pk, changes=diff, note=note, proposed_by=user
        )


def _check_correction_step(
    name: str, correction: VerdictCorrection, verdict: Verdict, user: AbstractBaseUser, note: str
) -> None:
    step = CORRECTION_STEPS[name]
    if step.actor == "author" and correction.proposed_by_id != user.pk:
        raise PermissionDenied(
            _("Only who proposed a correction can %(step)s it.") % {"step": step.verb}
        )
    if step.actor == "reviewer" and not permissions.can_decide_correction(user, correction):
        if correction.proposed_by_id == user.pk:
            raise PermissionDenied(
                _("You cannot %(step)s your own correction: another reviewer must.")
                % {"step": step.verb}
            )
        raise PermissionDenied(_("Only reviewers can %(step)s corrections.") % {"step": step.verb})
    if correction.status not in step.sources:
        raise VerdictConflict(
            _("Cannot %(step)s a correction that is %(status)s.")
            % {"step": step.verb, "status": correction.get_status_display().lower()},
            field="status",
            code="correction_decided",
        )
    if step.note_required and not note:
        raise ValidationError(
            {"note": _("A note is required to %(step)s a correction.") % {"step": step.verb}}
        )


def correction_steps(correction: VerdictCorrection, user: AbstractBaseUser) -> list[str]:
    """The steps this user may take on the correction now (for buttons)."""
    allowed = []
    for name, step in CORRECTION_STEPS.items():
        try:
            _check_correction_step(
                name, correction, correction.verdict, user, "x" if step.note_required else ""
            )
        except (PermissionDenied, ValidationError):
            continue
        allowed.append(name)
    return allowed


def _apply(
    correction: VerdictCorrection, verdict: Verdict, user: AbstractBaseUser, now: dt.datetime
) -> None:
    """Put the approved correction on the published verdict, recording what it replaced."""
    recorded = {}
    for name, change in correction.changes.items():
        recorded[name] = {"from": _recorded(getattr(verdict, name)), "to": change["to"]}
        setattr(verdict, name, _field_value(verdict.project, name, change["to"]))
    _check_rating(verdict)
    verdict.full_clean(exclude=["project", "claim", "author", "approved_by"])
    correction.changes = recorded
    verdict.modified_at = now
    verdict.version += 1
    verdict._history_user = user
    verdict.save()


@concurrency.retrying
def decide_correction(
    name: str, *, correction: VerdictCorrection, user: AbstractBaseUser, note: str = ""
) -> VerdictCorrection:
    """Approve, reject or withdraw a pending correction. Approved, it replaces the published
    version at once, and the verdict carries dateModified."""
    note = note.strip()
    with transaction.atomic():
        verdict = _lock_verdict(correction.verdict_id)
        locked = VerdictCorrection.objects.select_for_update().get(pk=correction.pk)
        _check_correction_step(name, locked, verdict, user, note)
        now = timezone.now()
        if name == "approve":
            _apply(locked, verdict, user, now)
        locked.status = CORRECTION_STEPS[name].target
        locked.decided_by = user
        locked.decided_at = now
        locked.decision_note = note
        locked.save()
    locked.verdict = verdict
    return locked


def pending_correction(verdict: Verdict) -> VerdictCorrection | None:
    """The correction of the verdict waiting for review, if any."""
    return (
        verdict.corrections.filter(status=CorrectionStatus.PENDING)
        .select_related("proposed_by", "verdict")
        .first()
    )


def corrections(verdict: Verdict) -> list[VerdictCorrection]:
    """Every correction proposed to the verdict, decided or not, oldest first."""
    return list(verdict.corrections.select_related("proposed_by", "decided_by", "verdict"))


def document(verdict: Verdict) -> dict[str, Any]:
    """The verdict's ClaimReview JSON-LD."""
    return claimreview.claim_review(verdict, ratings(verdict.project))


def markup_page(verdict: Verdict) -> dict[str, Any]:
    return claimreview.markup_page(verdict, ratings(verdict.project))


def evidence(claim: Annotation) -> list[Any]:
    """The evidence a verdict on the claim rests on: the claim's, with stances."""
    return list(claim.evidence_links.select_related("evidence").order_by("created_at", "pk"))


def rating_named(project: Project, name: str) -> Rating:
    """A rating of the project's scale by its name; a 400 naming `rating` otherwise."""
    scale = ratings(project)
    for found in scale:
        if found.name.casefold() == name.strip().casefold():
            return found
    raise ValidationError(
        {"rating": _("Not on this project’s scale: one of %(names)s.")
         % {"names": ", ".join(r.name for r in scale)}}
    )  # fmt: skip


def published(verdicts: Any) -> Any:
    """The live ones (published, not retracted), shaped for ClaimReview, in id order."""
    return (
        verdicts.filter(status=verdict_statuses.LIVE)
        .select_related("project", "rating")
        .order_by("pk")
    )


def feed_page(verdicts: Any, *, after: int, size: int) -> tuple[list[dict[str, Any]], int | None]:
    """A page of ClaimReviews after id `after` (keyset: a page never shifts), and the next
    cursor if there is more."""
    rows = list(published(verdicts).filter(pk__gt=after)[: size + 1])
    page, more = rows[:size], len(rows) > size
    scales: dict[int, list[Rating]] = {}
    reviews = []
    for verdict in page:
        if verdict.project_id not in scales:
            scales[verdict.project_id] = ratings(verdict.project)
        reviews.append(claimreview.claim_review(verdict, scales[verdict.project_id]))
    return reviews, (page[-1].pk if more else None)
