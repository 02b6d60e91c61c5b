"""Admin for verdicts: the review queue of fact-checks (approve, send back, publish,
retract: verdicting.py decides), the ClaimReview snippet to copy, and the rating scales."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from annotations import claimreview, verdict_statuses, verdicting
from annotations.admin.content import ReadOnlyInline
from annotations.admin.filters import ProjectListFilter
from annotations.admin.scoping import ProjectScoped
from annotations.choices import VerdictStatus
from annotations.models import Rating, Verdict, VerdictEvent


class RatingInline(admin.TabularInline):
    """A project's rating scale, edited by its managers on the project page."""

    model = Rating
    fields = ["name", "value", "description"]
    extra = 0


class VerdictEventInline(ReadOnlyInline):
    model = VerdictEvent
    fields = ["created_at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields
    show_change_link = False
    verbose_name = gettext_lazy("review step")
    verbose_name_plural = gettext_lazy("review history")


@admin.register(Verdict)
class VerdictAdmin(ProjectScoped, SimpleHistoryAdmin):
    list_display = ["summary", "rating", "status", "project", "author", "published_at"]
    list_filter = [ProjectListFilter, "status", "rating__name"]
    list_select_related = ["project", "rating", "author"]
    search_fields = ["summary", "claimant"]
    ordering = ["-updated_at", "-id"]
    fields = [
        "project",
        "claim",
        *verdicting.FIELDS,
        "status",
        "author",
        "approved_by",
        "created_at",
        "published_at",
        "modified_at",
        "retracted_at",
    ]
    readonly_fields = fields  # changes go through the verdict page and its rules
    inlines = [VerdictEventInline]
    change_form_template = "admin/annotations/verdict/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # drafted on an approved claim, from the article page

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        step = self.admin_site.admin_view(require_POST(self.step_view))
        return [
            path("<int:pk>/step/", step, name="annotations_verdict_step"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        verdict = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if verdict is not None:
            extra["steps"] = verdicting.available(verdict, request.user)
            extra["transitions"] = verdict_statuses.TRANSITIONS
            extra["problems"] = verdicting.publishing_problems(verdict)
            extra["page_url"] = reverse("verdict-detail", args=[verdict.pk])
            if verdict.status == VerdictStatus.PUBLISHED:
                extra["snippet"] = claimreview.embed(verdicting.document(verdict))
        return super().change_view(request, object_id, form_url, extra)

    def step_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        verdict = get_object_or_404(self.get_queryset(request), pk=pk)
        name = request.POST.get("step", "")
        back = reverse("admin:annotations_verdict_change", args=[pk])
        if name not in verdict_statuses.TRANSITIONS:
            messages.error(request, "Unknown step.")
            return HttpResponseRedirect(back)
        try:
            verdicting.perform(
                name, verdict=verdict, user=request.user, note=request.POST.get("note", "")
            )
        except (PermissionDenied, ValidationError) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        else:
            done = verdict_statuses.TRANSITIONS[name].target
            messages.success(request, VerdictStatus(done).label)
        return HttpResponseRedirect(back)
