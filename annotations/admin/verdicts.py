"""Admin for verdicts: the review queue of fact-checks (approve, send back, publish,
retract: verdicting.py decides), corrections of published ones (proposed here or on the
verdict page, approved or rejected by another reviewer), the ClaimReview snippet to copy, and
the rating scales."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from annotations.access import permissions
from annotations.admin.content import ReadOnlyInline
from annotations.admin.filters import ProjectListFilter
from annotations.admin.scoping import ProjectScoped
from annotations.choices import VerdictStatus
from annotations.models import Rating, Verdict, VerdictCorrection, VerdictEvent
from annotations.verdicts import claimreview, verdict_statuses, verdicting

CORRECTION_STEP = "correction_"  # a step's name with this prefix acts on the pending correction
PROPOSE = "propose_correction"


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
    verbose_name = _("review step")
    verbose_name_plural = _("review history")


class CorrectionInline(ReadOnlyInline):
    model = VerdictCorrection
    fields = ["proposed_at", "proposed_by", "changed", "note", "status", "decided_by",
              "decision_note"]  # fmt: skip
    readonly_fields = fields
    show_change_link = False
    verbose_name = _("correction")
    verbose_name_plural = _("corrections")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("proposed_by", "decided_by")

    @admin.display(description=_("what changed"))
    def changed(self, correction: VerdictCorrection) -> str:
        return "; ".join(
            f"{Verdict._meta.get_field(name).verbose_name}: {change['from']} → {change['to']}"
            for name, change in correction.changes.items()
        )


class CorrectionForm(forms.ModelForm):
    """A correction of a published verdict, prefilled with what the public sees now."""

    note = forms.CharField(
        label=_("What is corrected, and why"), widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Verdict
        fields = list(verdicting.FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale = verdicting.ratings(self.instance.project)
        self.fields["rating"].queryset = Rating.objects.filter(pk__in=[r.pk for r in scale])
        self.fields["rating"].empty_label = None

    def _post_clean(self) -> None:
        """Leave the published verdict alone: verdicting.propose_correction checks the result."""


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
    inlines = [VerdictEventInline, CorrectionInline]
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
            if verdict.status == verdict_statuses.LIVE:
                extra["snippet"] = claimreview.embed(verdicting.document(verdict))
            pending = verdicting.pending_correction(verdict)
            extra["correction"] = pending
            if pending is not None:
                extra["correction_steps"] = verdicting.correction_steps(pending, request.user)
                extra["correction_shown"] = [
                    (Verdict._meta.get_field(name).verbose_name, change["from"], change["to"])
                    for name, change in pending.changes.items()
                ]
            elif verdict.status in verdict_statuses.CORRECTABLE and (
                permissions.can_propose_correction(request.user, verdict)
            ):
                extra["correction_form"] = CorrectionForm(instance=verdict, prefix="correction")
        return super().change_view(request, object_id, form_url, extra)

    def _propose(self, request: HttpRequest, verdict: Verdict) -> None:
        form = CorrectionForm(request.POST, instance=verdict, prefix="correction")
        if not form.is_valid():
            raise ValidationError(
                [f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()]
            )
        now = {name: getattr(verdict, name) for name in verdicting.FIELDS}
        changes = {k: v for k, v in form.cleaned_data.items() if k != "note" and v != now[k]}
        verdicting.propose_correction(
            user=request.user, verdict=verdict, changes=changes, note=form.cleaned_data["note"]
        )

    def step_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        verdict = get_object_or_404(self.get_queryset(request), pk=pk)
        name = request.POST.get("step", "")
        note = request.POST.get("note", "")
        back = reverse("admin:annotations_verdict_change", args=[pk])
        correction_step = name.removeprefix(CORRECTION_STEP)
        try:
            if name in verdict_statuses.TRANSITIONS:
                verdicting.perform(name, verdict=verdict, user=request.user, note=note)
                done = verdict_statuses.TRANSITIONS[name].target
                messages.success(request, VerdictStatus(done).label)
            elif name == PROPOSE:
                self._propose(request, verdict)
                messages.success(request, _("Correction proposed: another reviewer decides it."))
            elif name.startswith(CORRECTION_STEP) and (
                correction_step in verdict_statuses.CORRECTION_STEPS
            ):
                correction = verdicting.pending_correction(verdict)
                if correction is None or str(correction.pk) != request.POST.get("correction"):
                    raise ValidationError(_("That correction was decided meanwhile."))
                decided = verdicting.decide_correction(
                    correction_step, correction=correction, user=request.user, note=note
                )
                messages.success(request, decided.get_status_display())
            else:
                messages.error(request, _("Unknown step."))
        except (PermissionDenied, ValidationError) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        return HttpResponseRedirect(back)
