"""Admin list filters shared by the screens over project data."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from annotations.common.inputs import is_id
from annotations.models import Project
from annotations.search import searching


class ProjectListFilter(admin.SimpleListFilter):
    """The projects the user may see, and nothing of any other."""

    title = gettext_lazy("project")
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


class PublisherListFilter(admin.AllValuesFieldListFilter):
    """Each publisher of the list; articles pasted without one are offered by a name, since an
    empty link says nothing to a screen reader (or to anyone)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice = {**choice, "display": gettext_lazy("(no publisher)")}
            yield choice


class FullTextSearch:
    """The admin search box runs the same full-text search as the pages and the API
    (annotations/searching.py); the list keeps its own order."""

    search_help_text = gettext_lazy('Words match as prefixes; "a phrase", or, -word.')

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return searching.few_first(queryset.search(search_term)), False
