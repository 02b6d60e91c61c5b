"""The review queue: reviewers approve, reject or send back submitted annotations."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from annotations.access import permissions
from annotations.admin.filters import FullTextSearch, ProjectListFilter
from annotations.common import inputs
from annotations.common.concurrency import Busy, VersionConflict
from annotations.common.inputs import is_id
from annotations.models import Annotation, Article, ReviewQueue
from annotations.review import statuses, workflow
from annotations.spans import anchoring

# The decisions taken on this page: on a submitted annotation, and reopening an approved one.
DECISIONS = [*statuses.REVIEW_DECISIONS, "reopen"]
DECISION_LABELS = {
    "approve": gettext_lazy("Approve"),
    "reject": gettext_lazy("Reject"),
    "request_changes": gettext_lazy("Request changes"),
    "reopen": gettext_lazy("Reopen for changes"),
}


class WaitingFilter(admin.SimpleListFilter):
    title = gettext_lazy("waiting")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [
            ("day", gettext_lazy("under a day")),
            ("week", gettext_lazy("a day to a week")),
            ("older", gettext_lazy("over a week")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        day, week = now - dt.timedelta(days=1), now - dt.timedelta(days=7)
        if self.value() == "day":
            return queryset.filter(submitted_at__gte=day)
        if self.value() == "week":
            return queryset.filter(submitted_at__lt=day, submitted_at__gte=week)
        if self.value() == "older":
            return queryset.filter(submitted_at__lt=week)
        return queryset


def _waiting_in(outer: str, user) -> Exists:
    """Whether the outer row (an article or a user) has annotations in this reviewer's queue.

    EXISTS per candidate rather than DISTINCT over the queue: with a large queue this reads a
    few index entries per article or author instead of every waiting annotation.
    """
    waiting = Annotation.objects.awaiting_review_by(user).order_by()
    return Exists(waiting.filter(**{outer: OuterRef("pk")}))


class ArticleWaitingFilter(admin.SimpleListFilter):
    title = gettext_lazy("article")
    parameter_name = "article"

    def lookups(self, request, model_admin):
        articles = Article.objects.filter(_waiting_in("article", request.user)).order_by("title")
        return [(str(a.pk), Truncator(a.title).chars(50)) for a in articles.only("title")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(article_id=int(value)) if value and is_id(value) else queryset


class AuthorWaitingFilter(admin.SimpleListFilter):
    title = gettext_lazy("author")
    parameter_name = "author"

    def lookups(self, request, model_admin):
        waiting = _waiting_in("author", request.user)
        authors = get_user_model().objects.filter(waiting).order_by("username")
        return [(str(u.pk), u.get_username()) for u in authors]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(author_id=int(value)) if value and is_id(value) else queryset


class PublisherFilter(admin.SimpleListFilter):
    title = gettext_lazy("publisher")
    parameter_name = "publisher"

    def lookups(self, request, model_admin):
        waiting = _waiting_in("article", request.user)
        articles = Article.objects.filter(waiting).exclude(publisher="")
        publishers = articles.values_list("publisher", flat=True).distinct().order_by("publisher")
        return [(p, p) for p in publishers]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(article__publisher=self.value())
        return queryset


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[(d, DECISION_LABELS[d]) for d in DECISIONS])
    note = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Required to reject, to request changes or to reopen; the author sees it."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class BulkReviewForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, decision: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.decision = decision
        self.fields["note"].required = statuses.TRANSITIONS[decision].note_required


@admin.register(ReviewQueue)
class ReviewQueueAdmin(FullTextSearch, admin.ModelAdmin):
    list_display = [
        "short_quote",
        "label",
        "article_title",
        "author",
        "waiting",
        "evidence",
        "links",
    ]
    list_display_links = ["short_quote"]
    list_select_related = ["article", "author"]
    list_filter = [
        ProjectListFilter,
        "label",
        "anchor",
        ArticleWaitingFilter,
        PublisherFilter,
        AuthorWaitingFilter,
        WaitingFilter,
    ]
    search_fields = ["quote"]  # shows the search box; FullTextSearch decides what it searches
    ordering = ["submitted_at", "id"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["approve_selected", "reject_selected", "request_changes_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return ReviewQueue.objects.awaiting_review_by(request.user).with_link_counts()

    # Who may use it: reviewers, read and act; nobody adds, edits fields or deletes here.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_reviewer(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return permissions.is_reviewer(request.user)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return permissions.is_reviewer(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    # Columns ------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("quote"))
    def short_quote(self, annotation: Annotation) -> str:
        return Truncator(annotation.quote).chars(80)

    @admin.display(description=gettext_lazy("article"), ordering="article__title")
    def article_title(self, annotation: Annotation) -> str:
        return Truncator(annotation.article.title).chars(60)

    @admin.display(description=gettext_lazy("waiting"), ordering="submitted_at")
    def waiting(self, annotation: Annotation) -> str:
        if not annotation.submitted_at:
            return "—"
        if timezone.now() - annotation.submitted_at < dt.timedelta(minutes=1):
            return "just now"  # timesince says "0 minutes"
        return timesince(annotation.submitted_at)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            "title": _("Review queue — longest waiting first"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("evidence"), ordering="n_evidence")
    def evidence(self, annotation: Annotation) -> int:
        return annotation.n_evidence

    @admin.display(description=gettext_lazy("links"), ordering="n_links")
    def links(self, annotation: Annotation) -> int:
        return annotation.n_links

    # The review page ----------------------------------------------------------------------

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not inputs.is_id(object_id):
            raise Http404(_("No annotation has that id."))
        queryset = (
            Annotation.objects.visible_to(request.user).with_related().select_related("article")
        )
        annotation = get_object_or_404(queryset, pk=object_id)
        form = ReviewForm(initial={"version": annotation.version})
        if request.method == "POST":
            form = ReviewForm(request.POST)
            if form.is_valid():
                outcome = self._decide(request, annotation, form)
                if outcome is not None:
                    return outcome
            annotation = get_object_or_404(queryset, pk=object_id)
        return TemplateResponse(
            request,
            "admin/annotations/review.html",
            self._review_context(request, annotation, form),
        )

    def _decide(self, request: HttpRequest, annotation: Annotation, form: ReviewForm):
        decision = form.cleaned_data["decision"]
        try:
            decided = workflow.perform(
                decision,
                annotation=annotation,
                user=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except VersionConflict:
            form.add_error(
                None,
                _(
                    "Someone else changed this annotation while you were reviewing it. Its "
                    "current state is shown below; nothing was applied."
                ),
            )
            return None
        except workflow.WorkflowError as exc:
            form.add_error("note" if exc.code == "note_required" else None, exc.message)
            return None
        except Busy as exc:
            form.add_error(None, _("%(why)s Nothing was applied.") % {"why": exc})
            return None
        status = decided.get_status_display().lower()
        quote = Truncator(decided.quote).chars(60)
        self.message_user(
            request,
            _("“%(quote)s” is now %(status)s.") % {"quote": quote, "status": status},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._next_url(request))

    def _next_url(self, request: HttpRequest, skip: int | None = None) -> str:
        """After a decision (or to skip one), the next annotation this reviewer can act on."""
        following = (
            ReviewQueue.objects.awaiting_review_by(request.user)
            .exclude(author=request.user)
            .exclude(pk=skip)
            .values_list("pk", flat=True)
            .first()
        )
        if following is None:
            return reverse("admin:annotations_reviewqueue_changelist")
        return reverse("admin:annotations_reviewqueue_change", args=[following])

    def _review_context(
        self, request: HttpRequest, annotation: Annotation, form: ReviewForm
    ) -> dict:
        # Its offsets count into the revision it is anchored on, which after a correction it
        # may not be the current one.
        text = (
            annotation.article.body
            if annotation.revision == annotation.article.revision
            else annotation.article.revisions.get(number=annotation.revision).body
        )
        before, after = anchoring.surrounding(text, annotation.start, annotation.end)
        available = [d for d in workflow.available(annotation, request.user) if d in DECISIONS]
        incoming = annotation.incoming_links.select_related("source__author").order_by("created_at")
        overlapping = (
            Annotation.objects.visible_to(request.user)
            .filter(
                article_id=annotation.article_id,
                revision=annotation.revision,
                start__lt=annotation.end,
                end__gt=annotation.start,
            )
            .exclude(pk=annotation.pk)
            .select_related("author")
            .order_by("start", "end", "id")
        )
        following = self._next_url(request, skip=annotation.pk)
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Review: %(quote)s") % {"quote": Truncator(annotation.quote).chars(60)},
            "overlapping": overlapping,
            "next_url": following if following.endswith("/change/") else None,
            "annotation": annotation,
            "before": before,
            "after": after,
            "outgoing": annotation.outgoing_links.select_related("target__author"),
            "incoming": incoming,
            "events": annotation.review_events.select_related("actor"),
            "form": form,
            "decisions": [(d, DECISION_LABELS[d]) for d in available],
            "own": annotation.author_id == request.user.pk,
        }

    # Bulk actions -------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Approve selected annotations"), permissions=["review"])
    def approve_selected(self, request, queryset):
        return self._bulk(request, queryset, "approve")

    @admin.action(description=gettext_lazy("Reject selected annotations"), permissions=["review"])
    def reject_selected(self, request, queryset):
        return self._bulk(request, queryset, "reject")

    @admin.action(
        description=gettext_lazy("Request changes on selected annotations"), permissions=["review"]
    )
    def request_changes_selected(self, request, queryset):
        return self._bulk(request, queryset, "request_changes")

    def _bulk(self, request: HttpRequest, queryset: QuerySet, decision: str) -> HttpResponse | None:
        """Ask for the note on an intermediate page, then apply one transition per annotation."""
        if "apply" in request.POST:
            form = BulkReviewForm(request.POST, decision=decision)
            if form.is_valid():
                self._apply_bulk(request, queryset, decision, form.cleaned_data["note"])
                return None
        else:
            form = BulkReviewForm(decision=decision)
        return TemplateResponse(
            request,
            "admin/annotations/bulk_review.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("%(decision)s: %(n)s selected")
                % {"decision": DECISION_LABELS[decision], "n": queryset.count()},
                "annotations": queryset,
                "form": form,
                "action": f"{decision}_selected",
                "decision_label": DECISION_LABELS[decision],
            },
        )

    def _apply_bulk(
        self, request: HttpRequest, queryset: QuerySet, decision: str, note: str
    ) -> None:
        done, skipped = 0, []
        for annotation in queryset:
            try:
                workflow.perform(decision, annotation=annotation, user=request.user, note=note)
            except (workflow.WorkflowError, VersionConflict, Busy) as exc:
                skipped.append(f"#{annotation.pk} “{Truncator(annotation.quote).chars(40)}”: {exc}")
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(decision)s: %(n)s annotation.", "%(decision)s: %(n)s annotations.", done)
            % {"decision": DECISION_LABELS[decision], "n": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                _("Skipped %(n)s: %(which)s") % {"n": len(skipped), "which": "; ".join(skipped)},
                messages.WARNING,
            )
