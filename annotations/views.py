"""Editor pages: the article list and the article page where spans are annotated."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from annotations import editing, permissions
from annotations.api.filters import ArticleFilter
from annotations.api.serializers import AnnotationSerializer
from annotations.forms import ArticleForm
from annotations.linking import LINK_SHAPES
from annotations.models import Article, Label, LinkKind, Stance, Status


@login_required
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
    queryset = Article.objects.with_counts(request.user).order_by("-created_at", "-id")
    filtered = ArticleFilter(request.GET, queryset=queryset, request=request)
    page = Paginator(filtered.qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "annotations/article_list.html",
        {
            "page": page,
            "query": request.GET.get("search", ""),
            "mine": request.GET.get("mine") == "true",
            "form": form,
            "can_add": permissions.can_create_article(request.user),
            "labels": Label.choices,
            "statuses": Status.choices,
        },
    )


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    articles = Article.objects.with_visible_annotations(request.user)
    article = get_object_or_404(articles, pk=pk)
    annotations = AnnotationSerializer(
        article.visible_annotations, many=True, context={"request": request}
    ).data
    editor = {
        "article": {"id": article.pk, "title": article.title, "body": article.body},
        "annotations": annotations,
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
        "stances": dict(Stance.choices),
        "linkKinds": dict(LinkKind.choices),
        "linkShapes": [[s, t, kind] for (s, t), kind in LINK_SHAPES.items()],
        "api": "/api/v1/",
        "loginUrl": reverse("login"),
    }
    return render(
        request, "annotations/article_detail.html", {"article": article, "editor": editor}
    )
