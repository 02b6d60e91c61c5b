"""Admin list filters shared by the screens over project data."""

from __future__ import annotations

from django.contrib import admin

from annotations.inputs import is_id
from annotations.models import Project


class ProjectListFilter(admin.SimpleListFilter):
    """The projects the user may see, and nothing of any other."""

    title = "project"
    parameter_name = "project"
    field = "project_id"

    def lookups(self, request, model_admin):
        return [(str(p.pk), p.name) for p in Project.objects.visible_to(request.user)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and is_id(value):
            return queryset.filter(**{self.field: int(value)})
        return queryset


class ArticleProjectListFilter(ProjectListFilter):
    field = "article__project_id"
