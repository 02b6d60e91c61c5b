"""The top bar's links, offered only to those who may open them (a link that answers 403 is a
trap): every page's template reads them, through a context processor."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from annotations.access import permissions


def links(request: HttpRequest) -> dict[str, dict[str, Any]]:
    """Which of the top bar's links the user may follow, asked of permissions.py as the views
    behind them ask it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    member = permissions.can_read(user)
    return {
        "nav": {
            "work": member,
            "articles": member,
            "review": user.is_staff and permissions.is_reviewer(user),
            "export": permissions.can_export(user),
            "admin": user.is_staff,
            # Called only by the templates that offer it (asking reads model permissions).
            "new_project": lambda: user.is_staff and permissions.can_create_project(user),
        }
    }
