"""Projects in admin: settings, members and roles, assignments, automatic assignment, progress."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from annotations.access import permissions
from annotations.admin.filters import ArticleProjectListFilter
from annotations.admin.inlines import LabelledInlineFormSet
from annotations.admin.scoping import ProjectScoped
from annotations.admin.verdicts import RatingInline
from annotations.agreement import measuring
from annotations.choices import Role, Status
from annotations.common.inputs import is_id
from annotations.export.records import neutralise
from annotations.models import Article, Assignment, Membership, Project
from annotations.projects import assigning


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = LabelledInlineFormSet
    extra = 1
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None or permissions.can_manage(request.user, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or permissions.can_manage(request.user, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or permissions.can_manage(request.user, obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can_read(request.user, obj)


class AutoAssignForm(forms.Form):
    per_article = forms.IntegerField(
        min_value=1,
        max_value=20,
        label=gettext_lazy("Per article"),
        help_text=gettext_lazy("Annotators per article (the project’s setting)."),
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def heatmap(pairs: dict[str, dict]) -> dict:
    """The cells of a pairwise heatmap (overlap F1), for an SVG drawn by the template: people
    would rather look than read. Darker is better agreement; each cell also says its number."""
    names = sorted({name for key in pairs for name in key.split("|")})
    size = 96
    cells = []
    for key, scores in pairs.items():
        a, b = key.split("|")
        f1 = scores["overlap"]["f1"]
        for row, column in ((a, b), (b, a)):
            cells.append(
                {
                    "x": 120 + names.index(column) * size,
                    "y": 30 + names.index(row) * size,
                    "cx": 120 + names.index(column) * size + size // 2,
                    "cy": 30 + names.index(row) * size + size // 2,
                    "label": "—" if f1 is None else f"{f1:.2f}",
                    "fill": "#e5e7eb" if f1 is None else _shade(f1),
                    "dark": f1 is not None and f1 >= 0.6,
                }
            )
    return {
        "names": [
            {"name": n, "x": 120 + i * size + size // 2, "y": 30 + i * size + size // 2}
            for i, n in enumerate(names)
        ],
        "cells": cells,
        "size": size,
        "width": 120 + size * len(names) + 10,
        "height": 30 + size * len(names) + 10,
    }


def _shade(f1: float) -> str:
    """White to deep blue as agreement rises."""
    low, high = (255, 255, 255), (29, 78, 216)
    return "#" + "".join(
        f"{round(lo + (hi - lo) * f1):02x}" for lo, hi in zip(low, high, strict=True)
    )


@admin.register(Project)
class ProjectAdmin(ProjectScoped, SimpleHistoryAdmin):
    list_display = [
        "name",
        "slug",
        "annotators_per_article",
        "blind",
        "review_required",
        "progress_link",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, RatingInline]
    actions = ["assign_automatically"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and permissions.can_create_project(request.user)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied(permissions.NO_PROJECT_CREATION)  # the 403 page says why
        return super().add_view(request, form_url, extra_context)

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Whoever may create projects reaches the list (and its Add button) before they hold
        # a role anywhere: their first project gives them one.
        return super().has_module_permission(request) or self.has_add_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None and self.has_add_permission(request):
            return True
        return super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return permissions.is_admin(request.user)

    @admin.display(description=gettext_lazy("progress"))
    def progress_link(self, project: Project) -> str:
        progress = reverse("admin:annotations_project_progress", args=[project.pk])
        if project.annotators_per_article < 2:
            return format_html('<a href="{}">{}</a>', progress, _("Progress"))
        measured = reverse("admin:annotations_project_agreement", args=[project.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            progress, _("Progress"), measured, _("Agreement"),
        )  # fmt: skip

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if not change:  # whoever makes a project manages it
            Membership.objects.get_or_create(
                project=form.instance, user=request.user, role=Role.MANAGER
            )

    def get_urls(self):
        progress = self.admin_site.admin_view(self.progress_view)
        measured = self.admin_site.admin_view(self.agreement_view)
        return [
            path("<str:object_id>/progress/", progress, name="annotations_project_progress"),
            path("<str:object_id>/agreement/", measured, name="annotations_project_agreement"),
            *super().get_urls(),
        ]

    def _project_page(self, request: HttpRequest, object_id: str) -> Project:
        """The project a page of its own is about: one the user may see, by a well-formed id."""
        if not is_id(object_id):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def _render(self, request: HttpRequest, template: str, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        return TemplateResponse(request, f"admin/annotations/project/{template}", context)

    def progress_view(self, request: HttpRequest, object_id: str):
        project = self._project_page(request, object_id)
        return self._render(
            request,
            "progress.html",
            title=_("Progress: %(project)s") % {"project": project},
            project=project,
            progress=assigning.progress(project),
            statuses=Status.choices,
        )

    def agreement_view(self, request: HttpRequest, object_id: str):
        """The project's agreement: per label, a heatmap per pair, the articles that agree
        least; ?csv=1 downloads one row per article."""
        project = self._project_page(request, object_id)
        if not permissions.can_see_agreement(request.user, project):
            raise PermissionDenied
        if request.GET.get("csv"):
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{project.slug}-agreement.csv"'
            writer = csv.writer(response)
            for row in measuring.csv_rows(project):
                writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
            return response
        report = measuring.summary(project)
        return self._render(
            request,
            "agreement.html",
            title=_("Agreement: %(project)s") % {"project": project},
            project=project,
            report=report,
            heatmap=heatmap(report["pairs"]),
        )

    @admin.action(
        description=gettext_lazy("Assign unassigned articles automatically"), permissions=["assign"]
    )
    def assign_automatically(self, request: HttpRequest, queryset: QuerySet):
        """Ask how many annotators per article, then balance each selected project's load."""
        if "apply" in request.POST:
            form = AutoAssignForm(request.POST)
            if form.is_valid():
                for project in queryset:
                    try:
                        made = assigning.auto_assign(
                            user=request.user,
                            project=project,
                            per_article=form.cleaned_data["per_article"],
                            due_on=form.cleaned_data["due_on"],
                        )
                    except (PermissionDenied, ValidationError) as exc:
                        self.message_user(request, f"{project}: {exc}", messages.ERROR)
                    else:
                        self.message_user(
                            request,
                            ngettext(
                                "%(project)s: %(n)s assignment made.",
                                "%(project)s: %(n)s assignments made.",
                                len(made),
                            )
                            % {"project": project, "n": len(made)},
                            messages.SUCCESS,
                        )
                return HttpResponseRedirect(reverse("admin:annotations_project_changelist"))
        else:
            first = queryset.first()
            form = AutoAssignForm(
                initial={"per_article": first.annotators_per_article if first else 1}
            )
        return self._render(
            request,
            "auto_assign.html",
            title=_("Assign unassigned articles automatically"),
            projects=queryset,
            form=form,
        )


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["article", "annotator", "state", "due_on", "created_at"]
    list_select_related = ["article", "annotator"]
    list_filter = [ArticleProjectListFilter, "state"]
    search_fields = ["article__title", "annotator__username"]
    readonly_fields = ["assigned_by", "created_at", "done_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            managed = Project.objects.where(request.user, permissions.MANAGES)
            kwargs["queryset"] = Article.objects.filter(project__in=managed).order_by("title")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and permissions.can_read(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_staff and permissions.can(request.user, "view", obj)

    def _manages(self, request: HttpRequest, obj=None) -> bool:
        return permissions.can_manage(request.user, obj.article.project if obj else None)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and self._manages(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._manages(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._manages(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            # Through the service: the annotator must belong to the article's project.
            try:
                made = assigning.assign(
                    user=request.user,
                    article=obj.article,
                    annotator=obj.annotator,
                    due_on=obj.due_on,
                )
            except (PermissionDenied, ValidationError) as exc:
                raise PermissionDenied(str(exc)) from exc
            obj.pk = made.pk
            return
        super().save_model(request, obj, form, change)
