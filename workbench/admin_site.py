"""The admin site: Django's, with the number of annotations waiting for review on its index."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy


class WorkbenchAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Fact-check workbench")
    site_title = gettext_lazy("Fact-check workbench")
    index_title = gettext_lazy("Review and manage")
    enable_nav_sidebar = False  # the queue's columns need the width

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        # Imported here: this module loads while the admin app is set up, before the models.
        from annotations.access import permissions
        from annotations.models import Annotation

        extra_context = dict(extra_context or {})
        if permissions.is_reviewer(request.user):
            waiting = Annotation.objects.awaiting_review_by(request.user)
            extra_context["review_waiting"] = waiting.count()
        return super().index(request, extra_context)
