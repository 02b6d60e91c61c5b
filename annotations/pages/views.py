"""Editor pages: the article list and the article page where spans are annotated.

The article page carries the text and the rules the editor needs; the annotations themselves
come from the API (GET /api/v1/articles/{id}/annotations/), so the text paints first and there
is one shape of an annotation, the API's.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from annotations import editing, permissions, statuses
from annotations.choices import Label, LinkKind, Stance, Status
from annotations.linking import LINK_SHAPES
from annotations.models import Article
from annotations.pages.forms import ArticleForm

PAGE_SIZE = 25


def role_required(view):
    """Log-in first (a redirect), then a role (403 saying whom to ask)."""

    @login_required
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_read(request.user):
            raise PermissionDenied(permissions.NO_ROLE)
        return view(request, *args, **kwargs)

    return checked


@role_required
@require_http_methods(["GET", "POST"])
def article_list(request: HttpRequest) -> HttpResponse:
    form = ArticleForm()
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                article = editing.create_article(user=request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("article-detail", pk=article.pk)
    query = request.GET.get("search", "")
    mine = request.GET.get("mine") == "true"
    articles = Article.objects.with_counts(request.user).search(query)
    if mine:
        articles = articles.annotated_by(request.user)
    page = Paginator(articles.order_by("-created_at", "-id"), PAGE_SIZE)
    return render(
        request,
        "annotations/article_list.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "query": query,
            "mine": mine,
            "form": form,
            "can_add": permissions.can_create_article(request.user),
            "labels": Label.choices,
            "statuses": Status.choices,
        },
    )


@role_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    editor = {
        "article": {"id": article.pk, "title": article.title, "body": article.body},
        "user": {
            "username": request.user.get_username(),
            "canAnnotate": permissions.can_create_annotation(request.user),
            "canAddEvidence": permissions.can_add_evidence(request.user),
        },
        # Reviewers decide in admin; the card links there, with the 0 replaced by an id.
        "reviewUrl": reverse("admin:annotations_reviewqueue_change", args=[0])
        if permissions.is_reviewer(request.user) and request.user.is_staff
        else None,
        "labels": dict(Label.choices),
        "statuses": dict(Status.choices),
        "initialStatus": Status.DRAFT,
        "reviewedStatuses": sorted(statuses.REVIEWED),
        "stances": dict(Stance.choices),
        "linkKinds": dict(LinkKind.choices),
        "linkShapes": [[s, t, kind] for (s, t), kind in LINK_SHAPES.items()],
        "api": "/api/v1/",
        "loginUrl": reverse("login"),
    }
    return render(
        request, "annotations/article_detail.html", {"article": article, "editor": editor}
    )
