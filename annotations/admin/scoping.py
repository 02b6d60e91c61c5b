"""What admin screens over project data share: a member sees their projects' rows only."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from annotations.access import permissions
from annotations.models import Project


class ProjectScoped:
    """Admin screens over project data: a member sees their projects' rows, nobody else's.

    Who may view, add, change or delete asks annotations.access.permissions with the object, so a
    reviewer of one project reads another project's rows nowhere in admin, not even by id.
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and permissions.can_read(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_staff and permissions.can(request.user, "view", obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return permissions.can_manage(request.user, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and hasattr(obj, "project_id"):
            fields.append("project")  # its annotations and evidence belong there too
        return fields

    adding_roles: frozenset[str] = permissions.MANAGES  # who may pick a project for a new row

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = Project.objects.where(request.user, self.adding_roles)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
