"""Articles, annotations and evidence in admin: browsing, history, and guarded deletion."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from annotations.access import permissions
from annotations.admin.filters import FullTextSearch, ProjectListFilter, PublisherListFilter
from annotations.admin.scoping import ProjectScoped
from annotations.agreement import adjudicating
from annotations.choices import Role
from annotations.ingest import ingesting
from annotations.models import Annotation, Article, Evidence, EvidenceLink, ReviewEvent
from annotations.models.querysets import row_count
from annotations.review import statuses
from annotations.spans import editing
from annotations.spans.shape import ANNOTATION_FIELDS


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class InlineAnnotationForm(forms.ModelForm):
    """Label and note of an annotation, frozen once it is approved (statuses.FROZEN)."""

    class Meta:
        model = Annotation
        fields = ["label", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if statuses.is_frozen(self.instance.status):
            for field in self.fields.values():
                field.disabled = True

    def clean_label(self) -> str:
        label = self.cleaned_data["label"]
        problem = editing.label_change_problem(self.instance, label)
        if problem:
            raise forms.ValidationError(problem)
        return label


class ArticleAnnotationInline(ReadOnlyInline):
    """An article's annotations: admins correct label and note until one is approved.

    Saving goes through annotations.spans.editing (version bump, history), like every other edit;
    span, status and author change only in the editor and the review.
    """

    model = Annotation
    form = InlineAnnotationForm
    fields = ["quote", "label", "note", "status", "author"]
    readonly_fields = ["quote", "status", "author"]
    ordering = ["start", "end", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return Annotation.objects.visible_to(request.user).select_related("author")

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.is_admin(request.user)


@admin.register(Article)
class ArticleAdmin(FullTextSearch, ProjectScoped, SimpleHistoryAdmin):
    adding_roles = permissions.ADDS_ARTICLES
    list_display = [
        "title",
        "project",
        "publisher",
        "published_on",
        "annotation_count",
        "created_at",
    ]
    list_select_related = ["project"]
    list_filter = [ProjectListFilter, ("publisher", PublisherListFilter)]
    search_fields = ["title"]  # shows the search box; FullTextSearch decides what it searches
    readonly_fields = [
        "body_hash",
        "created_by",
        "created_at",
        "updated_at",
        "unblinded_at",
        "canonical_url",
        "site_name",
    ]
    inlines = [ArticleAnnotationInline]
    actions = ["open_up", "refetch_now"]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super().get_queryset(request).annotate(n_annotations=row_count(Annotation, "article"))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and permissions.can_create_article(request.user)

    @admin.display(description=gettext_lazy("annotations"), ordering="n_annotations")
    def annotation_count(self, article: Article) -> int:
        return article.n_annotations

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.annotations.exists():
            fields.append("body")  # offsets count into the text
        return fields

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Annotation:
            return super().save_formset(request, form, formset, change)
        # What formset.save() would record, for admin's change message.
        formset.new_objects, formset.deleted_objects, formset.changed_objects = [], [], []
        for inline_form in formset.forms:
            if inline_form.has_changed():
                data = inline_form.cleaned_data
                updated = editing.update_annotation(
                    annotation=inline_form.instance,
                    user=request.user,
                    changes={name: data[name] for name in inline_form.changed_data},
                )
                formset.changed_objects.append((updated, inline_form.changed_data))
        return None

    def _reviewed(self, article: Article) -> dict[str, int]:
        rows = article.annotations.filter(status__in=statuses.REVIEWED).values_list("status")
        counts = dict(rows.annotate(n=Count("pk")).values_list("status", "n"))
        return {statuses.label(status): n for status, n in counts.items()}

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        """Managers delete their project's articles; reviewed work goes only by a superuser."""
        if obj is None:
            return self.has_change_permission(request)
        if self._reviewed(obj):
            return permissions.is_admin(request.user)
        return permissions.can_manage(request.user, obj)

    def _each(self, request: HttpRequest, queryset: QuerySet, act, told: str) -> None:
        """Run `act` on each selected article the user may act on; say how many were done
        and how many were refused (`told` has %(done)s and %(skipped)s)."""
        done = skipped = 0
        for article in queryset.select_related("project"):
            try:
                act(user=request.user, article=article)
            except (PermissionDenied, ValidationError):
                skipped += 1
            else:
                done += 1
        level = messages.SUCCESS if not skipped else messages.WARNING
        self.message_user(request, told % {"done": done, "skipped": skipped}, level)

    @admin.action(description=gettext_lazy("Open up to annotators (end blind mode)"))
    def open_up(self, request: HttpRequest, queryset: QuerySet) -> None:
        told = _("%(done)s opened up; %(skipped)s refused (only their project’s managers may).")
        self._each(request, queryset, adjudicating.unblind, told)

    @admin.action(description=gettext_lazy("Re-fetch now (catch corrections)"))
    def refetch_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        told = _(
            "%(done)s queued; %(skipped)s skipped (not from the web, or not yours to correct)."
        )
        self._each(request, queryset, ingesting.refetch, told)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if article is not None:
            extra_context["reviewed_counts"] = self._reviewed(article)
            extra_context["annotation_total"] = article.annotations.count()
        return super().delete_view(request, object_id, extra_context)


class ReviewEventInline(ReadOnlyInline):
    model = ReviewEvent
    fields = ["created_at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields
    show_change_link = False
    verbose_name = gettext_lazy("review step")
    verbose_name_plural = gettext_lazy("review history")


class EvidenceLinkInline(ReadOnlyInline):
    model = EvidenceLink
    fields = ["evidence", "stance", "note", "added_by", "created_at"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Annotation)
class AnnotationAdmin(FullTextSearch, SimpleHistoryAdmin):
    """Every annotation, read-only: statuses change only through annotations.review.workflow."""

    list_display = ["short_quote", "label", "status", "article", "author", "updated_at"]
    list_select_related = ["article", "author"]
    list_filter = [ProjectListFilter, "label", "status", "anchor"]
    search_fields = ["quote"]  # shows the search box; FullTextSearch decides what it searches
    ordering = ["-id"]
    show_full_result_count = False
    inlines = [EvidenceLinkInline, ReviewEventInline]
    fields = ["article", *ANNOTATION_FIELDS, "version"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return Annotation.objects.visible_to(request.user).select_related("article", "author")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and permissions.can_read(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_staff and permissions.can(request.user, "view", obj)

    @admin.display(description=gettext_lazy("quote"))
    def short_quote(self, annotation: Annotation) -> str:
        return Truncator(annotation.quote).chars(80)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return permissions.is_admin(request.user)
        return permissions.can_delete_annotation(request.user, obj)


class EvidenceUseInline(ReadOnlyInline):
    model = EvidenceLink
    fields = ["annotation", "stance", "note", "added_by"]
    readonly_fields = fields
    show_change_link = False
    verbose_name = gettext_lazy("annotation backed")
    verbose_name_plural = gettext_lazy("annotations backed")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("annotation", "added_by")


@admin.register(Evidence)
class EvidenceAdmin(ProjectScoped, SimpleHistoryAdmin):
    adding_roles = frozenset({Role.ANNOTATOR})
    list_display = ["title", "url", "project", "publisher", "annotation_count", "created_at"]
    list_select_related = ["project"]
    list_filter = [ProjectListFilter]
    search_fields = ["title", "url", "publisher"]
    readonly_fields = ["added_by", "created_at"]
    inlines = [EvidenceUseInline]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(n_annotations=row_count(EvidenceLink, "evidence"))
        )

    @admin.display(description=gettext_lazy("annotations"), ordering="n_annotations")
    def annotation_count(self, evidence: Evidence) -> int:
        return evidence.n_annotations

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and permissions.can_add_evidence(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return permissions.is_admin(request.user)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)
