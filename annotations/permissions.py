"""Who may do what: the one place the API, admin, pages and commands ask.

It knows users, statuses and authorship, never the tables: it reads the fields of whatever
annotation it is handed and returns filters for the querysets to apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.db.models import Q

from annotations import statuses
from annotations.choices import Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


class Authored(Protocol):
    author_id: int
    status: str


ANNOTATORS = "Annotators"
REVIEWERS = "Reviewers"
EXPORTERS = "Exporters"


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def is_reviewer(user: User) -> bool:
    return bool(user.is_authenticated and user.has_perm("annotations.review_annotation"))


def can_read(user: User) -> bool:
    """Reading needs a role (annotator, reviewer, exporter) or staff: an account alone is not
    enough, or anyone given a log-in would read every review note."""
    return bool(
        user.is_authenticated and (user.is_staff or user.has_perm("annotations.view_annotation"))
    )


NO_ROLE = "You have no role in this workbench yet: ask an administrator to give you one."


def annotation_visibility(user: User, prefix: str = "") -> Q:
    """Return the filter for annotations the user may see; drafts are private to their author."""
    if not can_read(user):
        return Q(**{f"{prefix}pk__in": []})
    if is_admin(user):
        return Q()
    return Q(**{f"{prefix}author": user}) | ~Q(**{f"{prefix}status": Status.DRAFT})


def can_create_annotation(user: User) -> bool:
    return bool(user.is_authenticated and user.has_perm("annotations.add_annotation"))


def can_create_article(user: User) -> bool:
    return bool(
        user.is_authenticated and (user.is_staff or user.has_perm("annotations.add_article"))
    )


def can_add_evidence(user: User) -> bool:
    return bool(user.is_authenticated and user.has_perm("annotations.add_evidence"))


def can_edit_annotation(user: User, annotation: Authored) -> bool:
    """Authors edit their own while it is in their hands; admins anything not yet approved."""
    if not user.is_authenticated or statuses.is_frozen(annotation.status):
        return False
    if is_admin(user):
        return True
    return annotation.author_id == user.pk and statuses.is_editable(annotation.status)


def can_delete_annotation(user: User, annotation: Authored) -> bool:
    """Authors delete their own while they may edit it; superusers remove any record.

    Frozen means its content never changes; removing it (say, with a withdrawn article) is a
    superuser's act, asked for on a confirmation page in admin.
    """
    return is_admin(user) or can_edit_annotation(user, annotation)


def edit_refusal(annotation: Authored) -> str:
    """Say why can_edit_annotation refused, in words for the person refused."""
    if statuses.is_frozen(annotation.status) or not statuses.is_editable(annotation.status):
        status = statuses.label(annotation.status).lower()
        reopen = " A reviewer can reopen it." if statuses.is_frozen(annotation.status) else ""
        return f"This annotation is {status} and can no longer be changed.{reopen}"
    return "Only the author can change this annotation."


def can_export(user: User) -> bool:
    """Staff, Reviewers and Exporters pull reviewed annotations in bulk."""
    return bool(
        user.is_authenticated and (user.is_staff or user.has_perm("annotations.export_annotation"))
    )


def can_review_annotation(user: User, annotation: Authored) -> bool:
    """Reviewers review others' work, never their own, whatever else they may do."""
    return is_reviewer(user) and annotation.author_id != user.pk
