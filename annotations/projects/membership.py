"""Projects, their settings and their members: the writes a manager makes.

Each function checks permissions.py and writes in one transaction; the API and the admin call
these, so a project is run the same way from either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from annotations.access import permissions
from annotations.choices import Role
from annotations.models import Membership, Project

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# A project's settings, in the order forms and files list them.
SETTINGS = (
    "name",
    "description",
    "guidelines",
    "annotators_per_article",
    "blind",
    "review_required",
    "curator_may_annotate",
    "publisher_name",
    "publisher_url",
    "publisher_logo_url",
)


def managers_to_ask(user: AbstractBaseUser, limit: int = 10) -> list[str]:
    """Whom a refused user asks for a role or a permission: the managers of their projects
    (by name, themselves left out), or nobody when they belong to none (then an
    administrator)."""
    projects = permissions.roles(user).projects()
    if not projects:
        return []
    rows = (
        Membership.objects.filter(project__in=projects, role=Role.MANAGER)
        .exclude(user=user)
        .values_list("user__username", "user__first_name", "user__last_name")
        .order_by("user__username")
        .distinct()[:limit]
    )
    return [f"{first} {last}".strip() or username for username, first, last in rows]


def create_project(*, user: AbstractBaseUser, name: str, slug: str = "", **fields: Any) -> Project:
    """Make a project; whoever makes it manages it."""
    if not permissions.can_create_project(user):
        raise PermissionDenied(permissions.NO_PROJECT_CREATION)
    unknown = set(fields) - set(SETTINGS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("Not a project setting.")))
    project = Project(name=name.strip(), slug=slug or slugify(name)[:60], **fields)
    project.full_clean()
    try:
        with transaction.atomic():
            project.save()
            Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    except IntegrityError as exc:
        raise ValidationError({"slug": _("A project with this name or slug exists.")}) from exc
    permissions.forget_roles(user)
    return project


def update_project(*, user: AbstractBaseUser, project: Project, changes: dict[str, Any]) -> Project:
    if not permissions.can_manage(user, project):
        raise PermissionDenied(_("Only the project’s managers change its settings."))
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("Not a project setting.")))
    for name, value in changes.items():
        setattr(project, name, value)
    project.full_clean()
    with transaction.atomic():
        project.save()
    return project


def add_member(*, user: AbstractBaseUser, project: Project, username: str, role: str) -> Membership:
    """Give a user a role in the project (adding the same role twice changes nothing)."""
    if not permissions.can_manage(user, project):
        raise PermissionDenied(_("Only the project’s managers change its members."))
    if role not in Role.values:
        raise ValidationError(
            {
                "role": _("%(value)r is not one of %(allowed)s.")
                % {"value": role, "allowed": ", ".join(Role.values)}
            }
        )
    member = get_user_model().objects.filter(username=username).first()
    if member is None:
        raise ValidationError({"username": _("No user is called %(name)r.") % {"name": username}})
    with transaction.atomic():
        membership, _created = Membership.objects.get_or_create(
            project=project, user=member, role=role
        )
    return membership


def remove_member(*, user: AbstractBaseUser, project: Project, membership_id: int) -> None:
    if not permissions.can_manage(user, project):
        raise PermissionDenied(_("Only the project’s managers change its members."))
    membership = Membership.objects.filter(project=project, pk=membership_id).first()
    if membership is None:
        raise ValidationError({"membership": _("This project has no such membership.")})
    managers = Membership.objects.filter(project=project, role=Role.MANAGER)
    if membership.role == Role.MANAGER and managers.count() == 1:
        raise ValidationError({"membership": _("A project keeps at least one manager.")})
    membership.delete()


def project_for(user: AbstractBaseUser, given: Project | None, roles: frozenset[str]) -> Project:
    """The project a write goes to: the one named, or the only one where the user may make it.

    A member of one desk need not name it on every request; a member of several must.
    """
    if given is not None:
        return given
    candidates = list(Project.objects.where(user, roles).order_by("slug")[:6])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise PermissionDenied(_("You may not do this in any project."))
    names = ", ".join(p.slug for p in candidates[:5])
    raise ValidationError({"project": _("Name the project (one of %(names)s).") % {"names": names}})
