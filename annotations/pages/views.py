"""Editor pages: My work, the article list, the article page, a project's guidelines.

The article page carries the text and the rules the editor needs; the annotations themselves
come from the API (GET /api/v1/articles/{id}/annotations/), so the text paints first and there
is one shape of an annotation, the API's.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from annotations.access import permissions
from annotations.choices import Anchor, CorrectionStatus, Label, LinkKind, Stance, Status
from annotations.common import inputs
from annotations.ingest import ingesting
from annotations.models import Annotation, Article, Assignment, Fetch, Project, Verdict
from annotations.pages.forms import ArticleForm, ArticleFromUrlForm, VerdictForm
from annotations.projects import assigning
from annotations.projects.rendering import markdown_to_html
from annotations.review import statuses
from annotations.revisions import revising
from annotations.search import searching
from annotations.spans import editing
from annotations.spans.linking import LINK_SHAPES
from annotations.verdicts import claimreview, verdict_statuses, verdicting

PAGE_SIZE = 25
ANNOTATIONS_FOUND = 10


def role_required(view):
    """Log-in first (a redirect), then a role in some project (403 saying whom to ask)."""

    @login_required
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_read(request.user):
            raise PermissionDenied(permissions.NO_ROLE)
        return view(request, *args, **kwargs)

    return checked


@role_required
def home(request: HttpRequest) -> HttpResponse:
    """Annotators with assignments land on My work; everyone else on the article list."""
    if Assignment.objects.filter(annotator=request.user).exists():
        return redirect("my-work")
    return redirect("article-list")


@role_required
@require_http_methods(["GET", "POST"])
def article_list(request: HttpRequest) -> HttpResponse:
    projects = list(Project.objects.visible_to(request.user))
    slug = request.GET.get("project", "")
    current = next((p for p in projects if p.slug == slug), None)
    adding = [p.pk for p in projects if permissions.can_create_article(request.user, p)]
    adding_to = Project.objects.filter(pk__in=adding)
    form = ArticleForm(projects=adding_to, initial={"project": current})
    if request.method == "POST":
        form = ArticleForm(request.POST, projects=adding_to)
        if form.is_valid():
            try:
                article = editing.create_article(user=request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("article-detail", pk=article.pk)
    query = request.GET.get("search", "").strip()
    mine = request.GET.get("mine") == "true"
    articles = (
        Article.objects.visible_to(request.user).select_related("project").with_counts(request.user)
    )
    found: list[Annotation] = []
    if current is not None:
        articles = articles.filter(project=current)
    if mine:
        articles = articles.annotated_by(request.user)
    if query:
        articles = articles.search(query).with_snippets(query)
        found = search_annotations(request.user, query, current)
    page = Paginator(searching.by_rank(articles, "-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if query:
        for article in page:
            article.snippet = searching.marked(searching.snippet(article, query, searching.ARTICLE))
    return render(
        request,
        "annotations/article_list.html",
        {
            "page": page,
            "query": query,
            "found": found,
            "mine": mine,
            "form": form,
            "projects": projects,
            "current": current,
            "can_add": bool(adding),
            "labels": Label.choices,
            "statuses": Status.choices,
        },
    )


def search_annotations(user, query: str, project: Project | None) -> list[Annotation]:
    """The annotations the user may see that best match the search, with their snippets."""
    found = Annotation.objects.visible_to(user).search(query).with_snippets(query)
    if project is not None:
        found = found.filter(project=project)
    found = searching.by_rank(found.select_related("article"), "-updated_at", "-id")
    rows = list(found[:ANNOTATIONS_FOUND])
    for annotation in rows:
        annotation.snippet = searching.marked(
            searching.snippet(annotation, query, searching.ANNOTATION)
        )
    return rows


@role_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("project"), pk=pk
    )
    user = request.user
    editor = {
        "article": {"id": article.pk, "title": article.title, "body": article.body},
        "user": {
            "username": user.get_username(),
            "canAnnotate": permissions.can_create_annotation(user, article),
            "canAddEvidence": permissions.can_add_evidence(user, article),
            "canDraftVerdict": permissions.can_draft_verdict(user, article.project),
        },
        "verdictUrl": reverse("claim-verdict", args=[0]),
        # Reviewers decide in admin; the card links there, with the 0 replaced by an id.
        "reviewUrl": reverse("admin:annotations_reviewqueue_change", args=[0])
        if permissions.is_reviewer(user, article) and user.is_staff
        else None,
        "labels": dict(Label.choices),
        "statuses": dict(Status.choices),
        "initialStatus": Status.DRAFT,
        "reviewedStatuses": sorted(statuses.REVIEWED),
        "anchors": dict(Anchor.choices),
        "stances": dict(Stance.choices),
        "linkKinds": dict(LinkKind.choices),
        "linkShapes": [[s, t, kind] for (s, t), kind in LINK_SHAPES.items()],
        "api": "/api/v1/",
        "loginUrl": reverse("login"),
    }
    assignment = Assignment.objects.filter(article=article, annotator=user).first()
    revision = article.revisions.defer("body").get(number=article.revision)
    return render(
        request,
        "annotations/article_detail.html",
        {
            "article": article,
            "editor": editor,
            "assignment": assignment,
            "revision": revision,
            "duplicates": article.duplicates().only("pk", "title", "canonical_url", "source_url"),
            "can_revise": permissions.can_revise(user, article),
            "can_adjudicate": article.project.annotators_per_article > 1
            and permissions.can_see_agreement(user, article.project),
        },
    )


@role_required
def article_adjudicate(request: HttpRequest, pk: int) -> HttpResponse:
    """The adjudication screen: the annotators' variants side by side, the set being built.

    The page carries the text; the variants and decisions come from the API
    (/api/v1/articles/{id}/adjudication/), which also checks every step.
    """
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("project"), pk=pk
    )
    if not permissions.can_see_agreement(request.user, article.project):
        raise PermissionDenied(
            _("Adjudication compares annotators’ work: the project’s reviewers see it.")
        )
    screen = {
        "article": {"id": article.pk, "title": article.title, "body": article.body},
        "user": request.user.get_username(),
        "labels": dict(Label.choices),
        "statuses": dict(Status.choices),
        "api": "/api/v1/",
    }
    return render(
        request,
        "annotations/adjudicate.html",
        {"article": article, "screen": screen},
    )


@role_required
@require_http_methods(["GET", "POST"])
def article_from_url(request: HttpRequest) -> HttpResponse:
    """Add an article by its web address (also where the bookmarklet lands, with ?url=)."""
    projects = Project.objects.where(request.user, permissions.ADDS_ARTICLES)
    if not projects.exists():
        raise PermissionDenied(_("You may not add articles to any project."))
    if request.method == "POST":
        form = ArticleFromUrlForm(request.POST, projects=projects)
        if form.is_valid():
            try:
                article, fetch = ingesting.add_url(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("url", exc.message_dict.get("url", exc.messages))
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                if fetch is None:
                    messages.info(request, _("The project already has this article."))
                    return redirect("article-detail", pk=article.pk)
                return redirect("fetch-detail", pk=fetch.pk)
    else:
        form = ArticleFromUrlForm(
            initial={"url": request.GET.get("url", "")[:2000]}, projects=projects
        )
    bookmarklet = (
        "javascript:location.href="
        + repr(request.build_absolute_uri(reverse("article-from-url")) + "?url=")
        + "+encodeURIComponent(location.href)"
    )
    return render(request, "annotations/from_url.html", {"form": form, "bookmarklet": bookmarklet})


@role_required
def fetch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a page being fetched stands; the page reloads itself until the job is over."""
    fetch = get_object_or_404(
        Fetch.objects.visible_to(request.user).select_related("article", "project"), pk=pk
    )
    return render(request, "annotations/fetch.html", {"fetch": fetch})


def _form_errors(form: Any, exc: ValidationError) -> None:
    """Put a domain error on the form: on its field where the form has one."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@role_required
@require_http_methods(["GET", "POST"])
def claim_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft a verdict on an approved claim, prefilled from it."""
    claim = get_object_or_404(
        Annotation.objects.visible_to(request.user).select_related("article", "project"), pk=pk
    )
    if not permissions.can_draft_verdict(request.user, claim.project):
        raise PermissionDenied(_("You do not check facts in this claim’s project."))
    scale = verdicting.ratings(claim.project)
    if request.method == "POST":
        form = VerdictForm(request.POST, ratings=scale)
        if form.is_valid():
            try:
                verdict = verdicting.draft(user=request.user, claim=claim, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("verdict-detail", pk=verdict.pk)
    else:
        form = VerdictForm(initial=verdicting.prefill(claim), ratings=scale)
    return render(
        request,
        "annotations/verdict.html",
        {"claim": claim, "form": form, "verdict": None, "evidence": verdicting.evidence(claim)},
    )


PROPOSE = "propose_correction"
CORRECTION_STEP = "correction_"  # a step's name with this prefix acts on the pending correction


def _verdict_post(
    request: HttpRequest, verdict: Verdict, form: VerdictForm | None, initial: dict[str, Any]
) -> bool:
    """Take the posted step, change or correction; whether it was done (else the form or the
    messages say why)."""
    user, step, note = request.user, request.POST.get("step", ""), request.POST.get("note", "")
    if step in verdict_statuses.TRANSITIONS:
        verdicting.perform(step, verdict=verdict, user=user, note=note)
        return True
    if step.startswith(CORRECTION_STEP) and (
        step.removeprefix(CORRECTION_STEP) in verdict_statuses.CORRECTION_STEPS
    ):
        pending = verdicting.pending_correction(verdict)
        if pending is None or str(pending.pk) != request.POST.get("correction"):
            raise ValidationError(_("That correction was decided meanwhile."))
        verdicting.decide_correction(
            step.removeprefix(CORRECTION_STEP), correction=pending, user=user, note=note
        )
        return True
    if form is None or not form.is_bound or not form.is_valid():
        return False
    changes = {k: v for k, v in form.cleaned_data.items() if k != "note" and v != initial.get(k)}
    if step == PROPOSE:
        verdicting.propose_correction(
            user=user, verdict=verdict, changes=changes, note=form.cleaned_data.get("note", "")
        )
        messages.success(request, _("Correction proposed: another reviewer decides it."))
    else:
        if changes:
            verdicting.change(user=user, verdict=verdict, changes=changes)
        messages.success(request, _("Saved."))
    return True


@role_required
@require_http_methods(["GET", "POST"])
def verdict_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A verdict: its fields (editable by its author while drafted; once published, changed
    by a correction another reviewer approves), the review steps open to you, its history,
    and its ClaimReview snippet."""
    verdict = get_object_or_404(
        Verdict.objects.visible_to(request.user).select_related(
            "project", "rating", "claim__article", "author", "approved_by"
        ),
        pk=pk,
    )
    user = request.user
    pending = verdicting.pending_correction(verdict)
    correcting = (
        pending is None
        and verdict.status in verdict_statuses.CORRECTABLE
        and permissions.can_propose_correction(user, verdict)
    )
    editable = verdict.status in verdict_statuses.EDITABLE and verdict.author_id == user.pk
    scale = verdicting.ratings(verdict.project)
    initial = {name: getattr(verdict, name) for name in verdicting.FIELDS}
    form = None
    filling = request.method == "POST" and request.POST.get("step", "") in ("", PROPOSE)
    if editable or correcting:
        data = request.POST if filling else None
        form = VerdictForm(
            data,
            initial=initial,
            ratings=scale,
            correcting=correcting,
            auto_id="correction_%s" if correcting else "id_%s",  # the steps' note is id_note
        )
    if request.method == "POST":
        try:
            if _verdict_post(request, verdict, form, initial):
                return redirect("verdict-detail", pk=verdict.pk)
        except ValidationError as exc:
            if form is not None and filling:
                _form_errors(form, exc)
            else:
                messages.error(request, "; ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    snippet = None
    if verdict.status == verdict_statuses.LIVE:
        snippet = claimreview.embed(verdicting.document(verdict))
    labels = {name: field.label for name, field in VerdictForm(ratings=scale).fields.items()}
    corrections = verdicting.corrections(verdict)
    for correction in corrections:  # each change under the words the form uses for its field
        correction.shown = [
            (labels.get(name, name), change["from"], change["to"])
            for name, change in correction.changes.items()
        ]
    pending = next((c for c in corrections if c.status == CorrectionStatus.PENDING), None)
    events = verdict.events.select_related("actor")
    history = [(event.created_at, "step", event) for event in events]
    history += [(c.proposed_at, "correction", c) for c in corrections]
    return render(
        request,
        "annotations/verdict.html",
        {
            "claim": verdict.claim,
            "verdict": verdict,
            "form": form,
            "correcting": correcting,
            "correction": pending,
            "correction_steps": verdicting.correction_steps(pending, user) if pending else [],
            "steps": verdicting.available(verdict, user),
            "history": [(kind, item) for _when, kind, item in sorted(history, key=lambda h: h[0])],
            "evidence": verdicting.evidence(verdict.claim),
            "snippet": snippet,
            "problems": verdicting.publishing_problems(verdict),
        },
    )


@role_required
@require_http_methods(["POST"])
def article_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Store the corrected text pasted into "Update text" as the next revision."""
    article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
    try:
        revision = revising.add_revision(
            user=request.user,
            article=article,
            body=request.POST.get("body", ""),
            note=request.POST.get("note", ""),
            expected_revision=inputs.whole_number(
                request.POST.get("revision", ""), name="revision", low=1
            ),
        )
    except (ValidationError, inputs.InputError, revising.RevisionConflict) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, _("The text was not updated: %(why)s") % {"why": message})
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Revision %(number)s stored: %(kept)s kept in place, %(proposed)s proposed, "
                "%(orphaned)s orphaned."
            )
            % {
                "number": revision.number,
                "kept": revision.mapped + revision.found,
                "proposed": revision.proposed,
                "orphaned": revision.orphaned,
            },
        )
    return redirect("article-detail", pk=article.pk)


@role_required
def article_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every revision, and the words changed between two (the one before and the current one,
    unless chosen)."""
    article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
    revisions = list(article.revisions.select_related("created_by").defer("body"))
    numbers = [r.number for r in revisions]

    def chosen(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        return int(value) if inputs.is_id(value) and int(value) in numbers else default

    to = chosen("to", article.revision)
    start = chosen("from", max(1, to - 1))
    runs = revising.changes_between(article, start, to)
    return render(
        request,
        "annotations/revisions.html",
        {"article": article, "revisions": revisions, "runs": runs, "start": start, "to": to},
    )


@role_required
def guidelines(request: HttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    html = mark_safe(markdown_to_html(project.guidelines))  # sanitised by nh3
    return render(request, "annotations/guidelines.html", {"project": project, "html": html})


@role_required
def my_work(request: HttpRequest) -> HttpResponse:
    assignments = Assignment.objects.work_of(request.user)
    visible = Article.objects.visible_to(request.user).select_related("project").defer("body")
    corrected = list(visible.corrected_since_annotated_by(request.user)[:10])
    managed = visible.corrected_in_projects_managed_by(request.user).exclude(
        pk__in=[article.pk for article in corrected]
    )[:10]
    return render(
        request,
        "annotations/my_work.html",
        {"assignments": assignments, "corrected": corrected, "corrected_managed": managed},
    )


@role_required
@require_http_methods(["GET", "POST"])
def mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, saying how many drafts will be submitted; then submit them and finish."""
    assignment = get_object_or_404(
        Assignment.objects.filter(annotator=request.user).select_related("article"), pk=pk
    )
    if request.method == "POST":
        try:
            submitted = assigning.mark_done(user=request.user, assignment=assignment)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "“%(title)s” is done; %(n)s annotation submitted for review.",
                    "“%(title)s” is done; %(n)s annotations submitted for review.",
                    submitted,
                )
                % {"title": assignment.article.title, "n": submitted},
            )
        return redirect("my-work")
    return render(
        request,
        "annotations/mark_done.html",
        {"assignment": assignment, "drafts": assigning.drafts_left(assignment)},
    )


@role_required
def export(request: HttpRequest) -> HttpResponse:
    """Build an export: the page asks the export API how many annotations it would return and
    gives the download link; the files themselves come from the API."""
    if not permissions.can_export(request.user):
        raise PermissionDenied(_("Exporting needs the exporter, reviewer or manager role."))
    projects = Project.objects.where(request.user, permissions.EXPORTS)
    return render(
        request,
        "annotations/export.html",
        {
            "projects": projects,
            "labels": Label.choices,
            "statuses": Status.choices,
            "sets": [
                ("", _("Adjudicated where double-annotated (the default)")),
                ("adjudicated", _("Adjudicated sets only")),
                ("annotators", _("Each annotator’s own, with their name")),
                ("all", _("Everything")),
            ],
            "formats": [
                ("jsonl", _("JSON Lines (one annotation per line)")),
                ("csv", _("CSV (spreadsheets)")),
                ("json", _("JSON (pages of up to 1,000)")),
                ("w3c", _("W3C Web Annotation (JSON-LD)")),
            ],
        },
    )
