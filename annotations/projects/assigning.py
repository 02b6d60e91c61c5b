"""Who annotates which article: assignments, automatic balancing, "mark done", progress."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from annotations.access import permissions
from annotations.choices import AssignmentState, Role, Status
from annotations.common import concurrency
from annotations.models import Annotation, Article, Assignment, Membership, Project
from annotations.review import workflow

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def _annotator_in(project: Project, user: Any) -> None:
    if not Membership.objects.filter(project=project, user=user, role=Role.ANNOTATOR).exists():
        raise ValidationError(
            {
                "annotator": _("%(user)s is not an annotator in %(project)s.")
                % {"user": user, "project": project}
            }
        )


def assign(
    *,
    user: AbstractBaseUser,
    article: Article,
    annotator: Any,
    due_on: dt.date | None = None,
) -> Assignment:
    """Give an article to an annotator of its project (again: the same assignment)."""
    if not permissions.can_manage(user, article.project):
        raise PermissionDenied(_("Only the project’s managers assign articles."))
    _annotator_in(article.project, annotator)
    try:
        with transaction.atomic():
            assignment, made = Assignment.objects.get_or_create(
                article=article,
                annotator=annotator,
                defaults={"due_on": due_on, "assigned_by": user},
            )
    except IntegrityError:  # assigned by someone else a moment ago
        assignment, made = Assignment.objects.get(article=article, annotator=annotator), False
    if not made and due_on is not None and assignment.due_on != due_on:
        assignment.due_on = due_on
        assignment.save(update_fields=["due_on"])
    return assignment


def auto_assign(
    *,
    user: AbstractBaseUser,
    project: Project,
    per_article: int | None = None,
    due_on: dt.date | None = None,
) -> list[Assignment]:
    """Give every article short of annotators enough of them, least loaded first.

    Deterministic: articles in id order; among annotators, the one with the fewest open
    assignments in the project first, then by username; never the same person twice on one
    article. Returns the assignments made.

    Two runs at once take turns on the project's row, so the second plans from what the first
    made (and makes only what is still missing). An assignment made by hand in between makes
    the plan stale: it is drawn again from the new state, a few times, then reported as Busy.
    """
    if not permissions.can_manage(user, project):
        raise PermissionDenied(_("Only the project’s managers assign articles."))
    wanted = per_article or project.annotators_per_article
    if wanted < 1:
        raise ValidationError({"per_article": _("At least 1.")})
    for _attempt in range(concurrency.ATTEMPTS):
        try:
            with transaction.atomic():
                Project.objects.select_for_update().only("pk").get(pk=project.pk)
                made = _plan(user=user, project=project, wanted=wanted, due_on=due_on)
                Assignment.objects.bulk_create(made)
            return made
        except IntegrityError:  # an assignment made by hand meanwhile: plan again
            continue
    raise concurrency.Busy(_("Assignments kept changing while they were planned; retry shortly."))


def _plan(
    *, user: AbstractBaseUser, project: Project, wanted: int, due_on: dt.date | None
) -> list[Assignment]:
    """The assignments auto_assign makes, from the project's state as read now."""
    annotators = list(
        Membership.objects.filter(project=project, role=Role.ANNOTATOR)
        .select_related("user")
        .order_by("user__username")
    )
    people = [m.user for m in annotators]
    if not people:
        raise ValidationError(
            {"project": _("%(project)s has no annotators to assign.") % {"project": project}}
        )
    if wanted > len(people):
        raise ValidationError(
            {
                "per_article": ngettext(
                    "%(project)s has %(n)s annotator, fewer than %(wanted)s.",
                    "%(project)s has %(n)s annotators, fewer than %(wanted)s.",
                    len(people),
                )
                % {"project": project, "n": len(people), "wanted": wanted}
            }
        )
    open_work = Counter(
        dict(
            Assignment.objects.filter(article__project=project)
            .exclude(state=AssignmentState.DONE)
            .values_list("annotator")
            .annotate(n=Count("pk"))
        )
    )
    on_article: dict[int, set[int]] = {}
    for article_id, annotator_id in Assignment.objects.filter(article__project=project).values_list(
        "article_id", "annotator_id"
    ):
        on_article.setdefault(article_id, set()).add(annotator_id)
    made: list[Assignment] = []
    for article_id in project.articles.order_by("pk").values_list("pk", flat=True):
        have = on_article.get(article_id, set())
        for _slot in range(wanted - len(have)):
            choice = min(
                (p for p in people if p.pk not in have),
                key=lambda p: (open_work[p.pk], p.get_username()),
            )
            made.append(
                Assignment(article_id=article_id, annotator=choice, due_on=due_on, assigned_by=user)
            )
            have.add(choice.pk)
            open_work[choice.pk] += 1
    return made


def set_state(*, user: AbstractBaseUser, assignment: Assignment, state: str) -> Assignment:
    """Move an assignment between to do and in progress (done goes through mark_done)."""
    if state not in (AssignmentState.TODO, AssignmentState.IN_PROGRESS):
        raise ValidationError({"state": _("Set to do or in progress; use mark done to finish.")})
    _check_owner_or_manager(user, assignment)
    assignment.state = state
    assignment.done_at = None
    assignment.save(update_fields=["state", "done_at"])
    return assignment


def drafts_left(assignment: Assignment) -> int:
    """How many of the annotator's annotations on the article mark_done would submit."""
    return _drafts(assignment).count()


def _drafts(assignment: Assignment):
    return Annotation.objects.filter(
        article_id=assignment.article_id,
        author_id=assignment.annotator_id,
        status__in=[Status.DRAFT, Status.CHANGES_REQUESTED],
    ).order_by("pk")


def mark_done(*, user: AbstractBaseUser, assignment: Assignment) -> int:
    """Finish an assignment: submit the annotator's remaining drafts, then mark it done.

    Returns how many were submitted. All or nothing: if one cannot be submitted, none is.
    """
    if assignment.annotator_id != user.pk:
        raise PermissionDenied(_("Only the annotator marks their own work done."))
    with transaction.atomic():
        drafts = list(_drafts(assignment))
        for draft in drafts:
            workflow.perform("submit", annotation=draft, user=user)
        assignment.state = AssignmentState.DONE
        assignment.done_at = timezone.now()
        assignment.save(update_fields=["state", "done_at"])
    return len(drafts)


def _check_owner_or_manager(user: AbstractBaseUser, assignment: Assignment) -> None:
    if assignment.annotator_id != user.pk and not permissions.can_manage(
        user, assignment.article.project
    ):
        raise PermissionDenied(_("Only the annotator or a manager changes this assignment."))


@dataclass
class Progress:
    members: list[dict[str, Any]]
    articles: list[dict[str, Any]]


def progress(project: Project) -> Progress:
    """Per member: assigned, done, annotations by status; per article: who is on it, done or not.

    A few grouped queries whatever the project's size.
    """
    assignments = Assignment.objects.filter(article__project=project)
    per_member = {
        row["annotator__username"]: row
        for row in assignments.values("annotator__username").annotate(
            assigned=Count("pk"), done=Count("pk", filter=Q(state=AssignmentState.DONE))
        )
    }
    by_status: dict[str, Counter[str]] = {}
    for username, status, n in (
        Annotation.objects.filter(project=project)
        .values_list("author__username", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_status.setdefault(username, Counter())[status] = n
    members = sorted(
        set(Membership.objects.filter(project=project).values_list("user__username", flat=True))
    )
    member_rows = [
        {
            "username": name,
            "assigned": per_member.get(name, {}).get("assigned", 0),
            "done": per_member.get(name, {}).get("done", 0),
            "annotations": {s: by_status.get(name, Counter())[s] for s in Status.values},
        }
        for name in members
    ]
    on_article: dict[int, list[dict[str, Any]]] = {}
    for article_id, username, state in assignments.values_list(
        "article_id", "annotator__username", "state"
    ).order_by("article_id", "annotator__username"):
        on_article.setdefault(article_id, []).append({"annotator": username, "state": state})
    article_rows = [
        {
            "id": pk,
            "title": title,
            "annotators": on_article.get(pk, []),
            "done": bool(on_article.get(pk))
            and all(a["state"] == AssignmentState.DONE for a in on_article[pk]),
        }
        for pk, title in project.articles.order_by("pk").values_list("pk", "title")
    ]
    return Progress(members=member_rows, articles=article_rows)
