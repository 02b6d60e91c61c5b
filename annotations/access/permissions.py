"""Who may do what: the one place the API, admin, pages, exports and commands ask.

Authority comes from project roles (annotator, reviewer, exporter, manager); superusers
administer every project. A user's roles are read once per request, through the user's own
`memberships` relation, so this module imports no tables: it answers from the fields of
whatever it is handed (an annotation, an article, a project) and from the roles.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations.choices import Role
from annotations.common.compiled import CompiledQuery
from annotations.review import statuses

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

# Roles that see every submitted or reviewed annotation of their project, blind or not.
SEES_ALL = frozenset({Role.REVIEWER, Role.EXPORTER, Role.MANAGER})
EXPORTS = frozenset({Role.EXPORTER, Role.REVIEWER, Role.MANAGER})
ADDS_ARTICLES = frozenset({Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER})
REVIEWS = frozenset({Role.REVIEWER})
MANAGES = frozenset({Role.MANAGER})

NO_ROLE = gettext_lazy(
    "You have no role in any project yet: ask a project manager or an administrator."
)
NO_PROJECT_CREATION = gettext_lazy(
    "Creating projects needs the “Can create projects” permission, which an administrator "
    "gives to a user or a group."
)


class Roles:
    """A user's roles by project id, and which of those projects are blind."""

    def __init__(self, rows: list[tuple[int, str, bool]]) -> None:
        self.by_project: dict[int, set[str]] = {}
        self.blind: set[int] = set()
        for project_id, role, blind in rows:
            self.by_project.setdefault(project_id, set()).add(role)
            if blind:
                self.blind.add(project_id)

    def of(self, project_id: int | None) -> set[str]:
        return self.by_project.get(project_id, set()) if project_id is not None else set()

    def projects(self, roles: frozenset[str] | None = None) -> list[int]:
        """Project ids where the user holds any role (or any of `roles`), in id order."""
        return sorted(p for p, held in self.by_project.items() if roles is None or held & roles)


def roles(user: User) -> Roles:
    """The user's roles, read once and kept on the user object for the rest of the request."""
    if not user.is_authenticated:
        return Roles([])
    cached = getattr(user, "_workbench_roles", None)
    if cached is None:
        rows = user.memberships.values_list("project_id", "role", "project__blind")
        cached = Roles(list(rows))
        user._workbench_roles = cached
    return cached


def forget_roles(user: User) -> None:
    """Drop the cached roles (after a membership change in the same request)."""
    user.__dict__.pop("_workbench_roles", None)


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def _project_id(obj: Any) -> int | None:
    """The project an object belongs to: a project itself, or anything with project_id."""
    if obj is None:
        return None
    if type(obj).__name__ == "Project":
        return obj.pk
    return getattr(obj, "project_id", None)


def has_role(user: User, project: Any = None, roles_wanted: frozenset[str] | None = None) -> bool:
    """Whether the user holds any of `roles_wanted` (any role, when None) in the project (in
    some project, when None); superusers hold every role everywhere."""
    if is_admin(user):
        return True
    held = roles(user)
    if project is None:
        return bool(held.projects(roles_wanted))
    mine = held.of(_project_id(project))
    return bool(mine if roles_wanted is None else mine & roles_wanted)


def can_read(user: User, project: Any = None) -> bool:
    """Reading needs a role in the project (in some project, for lists): an account alone is
    not enough, or anyone given a log-in would read every review note."""
    return has_role(user, project)


def can_view(user: User, obj: Any = None) -> bool:
    """Whether the user may see `obj`: exactly when its model's `visible_to(user)` holds it.

    Who sees which row is written once, as a query (querysets.py), so that a list, a detail
    URL, admin and `has_perm("annotations.view_…", obj)` can never disagree, as a separate
    per-object rule would (another's draft, blind work). Without an object: whether the user
    may read anything at all (a role somewhere). A model without `visible_to` is seen by
    nobody.
    """
    if obj is None:
        return can_read(user)
    if not user.is_authenticated or obj.pk is None:
        return False
    rows = getattr(type(obj)._default_manager, "visible_to", None)
    return rows is not None and rows(user).filter(pk=obj.pk).exists()


def can_manage(user: User, project: Any = None) -> bool:
    """Whether the user manages the project (some project, when None)."""
    return has_role(user, project, MANAGES)


def can_create_project(user: User) -> bool:
    """Creating projects is not a project role (there is no project yet): superusers, and
    whoever holds the `annotations.create_project` permission, given in admin to a user or to
    a group (a manager, say, who sets up desks). The maker then manages the new project."""
    return bool(
        user.is_authenticated and (user.is_superuser or user.has_perm("annotations.create_project"))
    )


def can_create_article(user: User, project: Any = None) -> bool:
    return has_role(user, project, ADDS_ARTICLES)


def can_revise(user: User, article: Any) -> bool:
    """Who records a corrected text: whoever may add articles to its project."""
    return has_role(user, article, ADDS_ARTICLES)


def can_create_annotation(user: User, article: Any = None) -> bool:
    return has_role(user, article, frozenset({Role.ANNOTATOR}))


def can_add_evidence(user: User, project: Any = None) -> bool:
    return has_role(user, project, frozenset({Role.ANNOTATOR}))


def can_edit_annotation(user: User, annotation: Any) -> bool:
    """Authors edit their own while it is in their hands; admins anything not yet approved."""
    if not user.is_authenticated or statuses.is_frozen(annotation.status):
        return False
    if is_admin(user):
        return True
    return (
        annotation.author_id == user.pk
        and statuses.is_editable(annotation.status)
        and Role.ANNOTATOR in roles(user).of(annotation.project_id)
    )


def can_delete_annotation(user: User, annotation: Any) -> bool:
    """Authors delete their own while they may edit it; superusers remove any record.

    Frozen means its content never changes; removing it (say, with a withdrawn article) is a
    superuser's act, asked for on a confirmation page in admin.
    """
    return is_admin(user) or can_edit_annotation(user, annotation)


def edit_refusal(annotation: Any) -> str:
    """Say why can_edit_annotation refused, in words for the person refused."""
    if statuses.is_frozen(annotation.status) or not statuses.is_editable(annotation.status):
        status = statuses.label(annotation.status).lower()
        if statuses.is_frozen(annotation.status):
            return _(
                "This annotation is %(status)s and can no longer be changed. A reviewer can "
                "reopen it."
            ) % {"status": status}
        return _("This annotation is %(status)s and can no longer be changed.") % {"status": status}
    return _("Only the author can change this annotation.")


def can_export(user: User, project: Any = None) -> bool:
    """Exporters, reviewers and managers pull reviewed annotations of their projects."""
    return has_role(user, project, EXPORTS)


def is_reviewer(user: User, project: Any = None) -> bool:
    return has_role(user, project, REVIEWS)


def can_see_agreement(user: User, project: Any) -> bool:
    """Agreement names annotators and compares their work: reviewers, exporters and managers
    of the project, never its annotators (who may be working blind)."""
    return has_role(user, project, SEES_ALL)


def can_adjudicate(user: User, project: Any) -> bool:
    """Curators are the project's reviewers: they open adjudication screens and settle them."""
    return is_reviewer(user, project)


def adjudication_refusal(user: User, article: Any, *, annotated: bool) -> str | None:
    """Why the user may not adjudicate this article, or None when they may.

    Four eyes: the curator is not one of the article's annotators, unless the project allows
    that (and the adjudication then records it).
    """
    if not can_adjudicate(user, article):
        return _("Only the project’s reviewers adjudicate its articles.")
    if annotated and not article.project.curator_may_annotate:
        return _(
            "You annotated this article: another reviewer must adjudicate it (the project does "
            "not let curators adjudicate their own work)."
        )
    return None


def can_draft_verdict(user: User, project: Any) -> bool:
    """Fact-checkers draft verdicts: whoever annotates, reviews or manages in the project."""
    return has_role(user, project, ADDS_ARTICLES)


def can_decide_verdict(user: User, verdict: Any) -> bool:
    """A verdict is approved or sent back by a reviewer of its project who did not draft it."""
    return verdict.author_id != user.pk and is_reviewer(user, verdict)


def can_publish_verdict(user: User, project: Any) -> bool:
    """Approved verdicts are published and retracted by reviewers and managers."""
    return has_role(user, project, REVIEWS | MANAGES)


def can_propose_correction(user: User, verdict: Any) -> bool:
    """Any fact-checker of its project may propose a correction of a published verdict: it
    reaches the public only once another reviewer approves it."""
    return can_draft_verdict(user, verdict)


def can_decide_correction(user: User, correction: Any) -> bool:
    """A correction is approved or rejected by a reviewer of the verdict's project who did not
    propose it."""
    return correction.proposed_by_id != user.pk and is_reviewer(user, correction.verdict)


def can_review_annotation(user: User, annotation: Any) -> bool:
    """Reviewers of its project review others' work, never their own."""
    return annotation.author_id != user.pk and is_reviewer(user, annotation)


# The one question every face may ask: can(user, action, obj).
ACTIONS = {
    "view": can_view,
    "manage": can_manage,
    "add_article": can_create_article,
    "revise": can_revise,
    "annotate": can_create_annotation,
    "add_evidence": can_add_evidence,
    "change": can_edit_annotation,
    "delete": can_delete_annotation,
    "review": can_review_annotation,
    "export": can_export,
    "adjudicate": can_adjudicate,
    "see_agreement": can_see_agreement,
    "draft_verdict": can_draft_verdict,
    "decide_verdict": can_decide_verdict,
    "publish_verdict": can_publish_verdict,
    "propose_correction": can_propose_correction,
    "decide_correction": can_decide_correction,
}


def can(user: User, action: str, obj: Any = None) -> bool:
    """Whether the user may take `action` on `obj` (a project, or anything in one)."""
    return ACTIONS[action](user, obj)


@functools.cache
def _user_with_roles_query() -> tuple[CompiledQuery, list[str]]:
    """A user's row and their roles (one row per membership), by the user's id; then the
    user's columns, which it selects first."""
    model = get_user_model()
    fields = [field.attname for field in model._meta.concrete_fields]
    roles = ("memberships__project_id", "memberships__role", "memberships__project__blind")
    rows = model._default_manager.filter(pk=0).values_list(*fields, *roles)
    return CompiledQuery(rows, 0), fields


class ProjectPermissionBackend(ModelBackend):
    """Django's log-in backend, reading a session's user with their roles in one query, and
    has_perm(perm, obj) for workbench objects, answered by can().

    Every request with a session reads its user; every request but a few then reads that
    user's roles, so both come in one query (a row per membership) instead of two.
    "annotations.review_annotation" with an annotation asks can(user, "review", annotation),
    "annotations.view_evidence" can(user, "view", evidence), and a codename that is an action
    itself ("annotations.publish_verdict") that action; model permissions without an object
    are left to Django's ModelBackend, which also still reads the users of sessions begun
    before this backend logged people in.
    """

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        query, fields = _user_with_roles_query()
        rows = query.rows(user_id)
        if not rows:
            return None
        user = get_user_model().from_db(query.alias, fields, rows[0][: len(fields)])
        if not self.user_can_authenticate(user):
            return None
        user._workbench_roles = Roles(
            [row[len(fields) :] for row in rows if row[len(fields)] is not None]
        )
        return user

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        app, _, codename = perm.partition(".")
        if obj is None or app != "annotations" or not user_obj.is_active:
            return False
        action = codename if codename in ACTIONS else codename.split("_", 1)[0]
        return action in ACTIONS and can(user_obj, action, obj)
