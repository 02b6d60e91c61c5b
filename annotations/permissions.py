"""Who may do what: the one place the API, admin, pages and commands ask."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from annotations.models import Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from annotations.models import Annotation

    User = AbstractBaseUser | AnonymousUser

ANNOTATORS = "Annotators"
REVIEWERS = "Reviewers"
EXPORTERS = "Exporters"

# An author edits an annotation while it is in their hands; once submitted it is the reviewer's.
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def is_reviewer(user: User) -> bool:
    return bool(user.is_authenticated and user.has_perm("annotations.review_annotation"))


def annotation_visibility(user: User, prefix: str = "") -> Q:
    """Return the filter for annotations the user may see; drafts are private to their author."""
    if not user.is_authenticated:
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


def can_edit_annotation(user: User, annotation: Annotation) -> bool:
    """Authors edit their own while draft or sent back; admins edit anything, approved included."""
    if is_admin(user):
        return True
    return (
        user.is_authenticated
        and annotation.author_id == user.pk
        and annotation.status in EDITABLE_STATUSES
    )


def can_delete_annotation(user: User, annotation: Annotation) -> bool:
    return can_edit_annotation(user, annotation)


def can_export(user: User) -> bool:
    """Staff, Reviewers and Exporters pull reviewed annotations in bulk."""
    return bool(
        user.is_authenticated and (user.is_staff or user.has_perm("annotations.export_annotation"))
    )


def can_review_annotation(user: User, annotation: Annotation) -> bool:
    """Reviewers review others' work, never their own, whatever else they may do."""
    return is_reviewer(user) and annotation.author_id != user.pk
