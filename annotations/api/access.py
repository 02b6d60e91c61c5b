"""Who may call the API at all: DRF permission classes that ask annotations.access.permissions."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from annotations.access import permissions


class HasRole(BasePermission):
    """A logged-in user with no role reads nothing (403), rather than an empty workbench."""

    message = permissions.NO_ROLE

    def has_permission(self, request, view) -> bool:
        return permissions.can_read(request.user)
