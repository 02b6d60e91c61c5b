"""Admin for articles from the web: fetches (the jobs and their provenance) and feeds.

The background jobs themselves are django-tasks-db's "Task results" screen, beside these.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations.access import permissions
from annotations.admin.content import ReadOnlyInline
from annotations.admin.filters import ProjectListFilter
from annotations.admin.scoping import ProjectScoped
from annotations.ingest import ingesting
from annotations.models import Feed, FeedItem, Fetch


@admin.register(Fetch)
class FetchAdmin(ProjectScoped, admin.ModelAdmin):
    list_display = ["url", "project", "reason", "state", "outcome", "attempts", "created_at"]
    list_filter = [ProjectListFilter, "state", "reason"]
    list_select_related = ["project"]
    search_fields = ["url"]
    readonly_fields = [
        "project",
        "url",
        "reason",
        "state",
        "outcome",
        "error",
        "attempts",
        "track",
        "requested_by",
        "feed",
        "article",
        "created_at",
        "finished_at",
        "final_url",
        "status_code",
        "content_type",
        "encoding",
        "fetched_at",
        "html_size",
    ]
    exclude = ["html_compressed"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).defer("html_compressed")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # pages are added from the article list, the API or import_urls

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return permissions.is_admin(request.user)

    @admin.display(description=gettext_lazy("page kept (compressed)"))
    def html_size(self, fetch: Fetch) -> str:
        size = len(Fetch.objects.filter(pk=fetch.pk).values_list("html_compressed", flat=True)[0])
        return _("%(kb)s kB") % {"kb": round(size / 1000, 1)}


class FeedItemInline(ReadOnlyInline):
    model = FeedItem
    fields = ["seen_at", "title", "link", "matched", "fetch"]
    readonly_fields = fields
    show_change_link = False


class FeedForm(forms.ModelForm):
    def clean_url(self) -> str:
        """The address as ingesting stores it; refused here, on the field, like any bad value."""
        try:
            return ingesting.clean_url(self.cleaned_data["url"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from exc


@admin.register(Feed)
class FeedAdmin(ProjectScoped, admin.ModelAdmin):
    form = FeedForm
    list_display = ["__str__", "project", "active", "interval_minutes", "last_polled_at"]
    list_filter = [ProjectListFilter, "active"]
    list_select_related = ["project"]
    fields = [
        "project",
        "url",
        "keywords",
        "active",
        "interval_minutes",
        "title",
        "next_poll_at",
        "last_polled_at",
        "last_error",
    ]
    readonly_fields = ["title", "last_polled_at", "last_error"]
    inlines = [FeedItemInline]
    actions = ["poll_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and permissions.can_manage(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return permissions.can_manage(request.user, obj)

    def save_model(self, request: HttpRequest, obj: Feed, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Poll now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        feeds = [f for f in queryset if permissions.can_manage(request.user, f)]
        for feed in feeds:
            ingesting.poll_feed_job.enqueue(feed.pk)
        self.message_user(request, _("%(n)s feed(s) queued.") % {"n": len(feeds)})
