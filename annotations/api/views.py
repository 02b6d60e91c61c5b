"""API views: thin layers that shape querysets, validate input and call the domain modules."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access import permissions
from annotations.api import serializers as s
from annotations.api import sources
from annotations.api.errors import Conflict, PreconditionFailed
from annotations.api.filters import AnnotationFilter, ArticleFilter, EvidenceFilter
from annotations.api.idempotency import idempotent
from annotations.api.responses import fast_json
from annotations.choices import Role
from annotations.common import inputs
from annotations.common.concurrency import VersionConflict
from annotations.ingest import ingesting
from annotations.models import (
    Annotation,
    Article,
    Evidence,
)
from annotations.projects import membership
from annotations.review import workflow
from annotations.revisions import revising
from annotations.spans import editing, reading

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag you read (e.g. "3"); a stale one gets 412 and changes nothing.',
)


def parse_if_match(header: str, *, what: str = "version of this annotation") -> int | None:
    """Return the version an If-Match header names (None for "*"), or refuse it.

    An ETag is a quoted string (RFC 9110): an unquoted one is a malformed header, a 400 naming
    If-Match. A quoted ETag we never issued cannot match, so the precondition fails (412),
    whatever it holds. `what` says what the ETag names, for the message.
    """
    value = header.strip()
    if value == "*":
        return None
    tag = value.removeprefix("W/")
    shown = value if len(value) <= 20 else value[:19] + "…"
    if len(tag) < 2 or not tag.startswith('"') or not tag.endswith('"'):
        raise ValidationError(
            {
                "If-Match": f"If-Match {shown} is not an ETag: send it quoted as you read it, "
                'such as "3". Nothing was changed.'
            }
        )
    version = tag[1:-1]
    if not inputs.is_id(version):
        raise PreconditionFailed(
            f"If-Match {shown} names no {what}: send the ETag you read, "
            'such as "3". Nothing was changed.',
            code="stale_version",
        )
    return int(version)


@extend_schema_view(
    list=extend_schema(summary="List articles with annotation counts per label and status"),
    retrieve=extend_schema(
        summary="An article's body with the annotations you may see",
        responses=s.ArticleDetailSerializer,
    ),
    create=extend_schema(
        summary="Add an article: its text, or a URL to fetch it from",
        description=(
            "With `body`, the article is stored at once (its text normalised to NFC, \\n line "
            "endings): 201. With `url` and no body, the page is fetched in the background and "
            "its text, title, byline, date and site extracted: 202 with the fetch to follow "
            "(`Location`: /api/v1/fetches/{id}/), or 200 with the article the project already "
            "has for that page."
        ),
        request=PolymorphicProxySerializer(
            component_name="ArticleCreateOrFetch",
            serializers=[s.ArticleCreateSerializer, sources.ArticleFromUrlSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: s.ArticleDetailSerializer,
            200: s.ArticleDetailSerializer,
            202: sources.FetchSerializer,
        },
    ),
)
class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.ArticleSerializer
    filterset_class = ArticleFilter

    def get_queryset(self):
        user = self.request.user
        return (
            Article.objects.visible_to(user)
            .select_related("created_by", "project")
            .with_counts(user)
            .order_by("-created_at", "-id")
        )

    def get_serializer_class(self):
        return s.ArticleSerializer if self.action == "list" else s.ArticleDetailSerializer

    def _detail_body(self, article: Article) -> dict[str, Any]:
        """The article with the annotations the caller may see, built by the same lean reader
        as …/annotations/: one shape, one fast path."""
        article.visible_annotations = reading.article_annotations(article.pk, self.request.user)
        return s.ArticleDetailSerializer(article, context=self.get_serializer_context()).data

    def _detail(self, article: Article, code: int = status.HTTP_200_OK) -> Response:
        """The article as a write answers it, with its ETag: the revision a body PUT names."""
        response = Response(self._detail_body(article), status=code)
        response["ETag"] = f'"{article.revision}"'
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        article = self.get_object()
        # Rendered like …/annotations/ (orjson, gzip when asked): a thousand spans through
        # DRF's renderer took as long again as reading them.
        headers = {"ETag": f'"{article.revision}"'}
        return fast_json(request, self._detail_body(article), headers=headers)

    @extend_schema(
        summary="All the annotations of an article you may see, in text order, unpaged",
        description=(
            "What the editor page loads: one request, whatever the number of spans, in the "
            "annotation's shape without the project and article every row would repeat; "
            "gzip-compressed when the client accepts it."
        ),
        responses=s.ArticleAnnotationSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def annotations(self, request: Request, pk: str | None = None) -> HttpResponse:
        article = get_object_or_404(Article.objects.visible_to(request.user).only("pk"), pk=pk)
        return fast_json(request, reading.article_annotations(article.pk, request.user))

    @extend_schema(
        summary="Submit all your drafts on this article for review (all or none)",
        request=None,
        responses=s.AnnotationSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="submit-drafts", pagination_class=None)
    @idempotent
    def submit_drafts(self, request: Request, pk: str | None = None) -> Response:
        article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
        submitted = workflow.submit_drafts(user=request.user, article_id=article.pk)
        rows = (
            Annotation.objects.filter(pk__in=[a.pk for a in submitted])
            .with_related()
            .in_text_order()
        )
        context = self.get_serializer_context()
        return Response(s.AnnotationSerializer(rows, many=True, context=context).data)

    # Revisions -----------------------------------------------------------------------------

    @extend_schema(
        summary="Correct the article: its text becomes a new revision, annotations re-anchored",
        description="Send the whole corrected text. Every annotation is placed on it: mapped "
        "through the diff or found by its quote and context (accepted), proposed (awaiting a "
        "person), or orphaned. If-Match takes the revision you corrected (the article's ETag); "
        "a stale one gets 412 and changes nothing.",
        request=s.RevisionCreateSerializer,
        responses=s.RevisionSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["put"], url_path="body")
    def correct(self, request: Request, pk: str | None = None) -> Response:
        article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
        data = s.RevisionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        header = request.headers.get("If-Match")
        expected = (
            parse_if_match(header, what="revision of this article") if header is not None else None
        )
        try:
            revision = revising.add_revision(
                user=request.user,
                article=article,
                expected_revision=expected,
                **data.validated_data,
            )
        except revising.RevisionConflict as exc:
            raise PreconditionFailed(str(exc), code="stale_revision") from exc
        response = Response(s.RevisionSerializer(revision).data)
        response["ETag"] = f'"{revision.number}"'
        return response

    @extend_schema(
        summary="Every revision of the article, with how its annotations fared",
        responses=s.RevisionSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
        rows = article.revisions.select_related("created_by").defer("body").order_by("number")
        return Response(s.RevisionSerializer(rows, many=True).data)

    @extend_schema(
        summary="One revision's text, plain: the text its annotations' offsets count into",
        responses={(200, "text/plain"): OpenApiTypes.STR},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"revisions/(?P<number>[0-9]{1,9})/text",
        pagination_class=None,
    )
    def revision_text(self, request: Request, pk: str | None = None, number: str = "") -> Any:
        article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
        revision = get_object_or_404(article.revisions.only("body"), number=int(number))
        return HttpResponse(revision.body, content_type="text/plain; charset=utf-8")

    @extend_schema(
        summary="What changed between two revisions: equal, delete and insert runs",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.INT, description="Default: the one before."),
            OpenApiParameter("to", OpenApiTypes.INT, description="Default: the current one."),
        ],
        responses=s.DiffSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def diff(self, request: Request, pk: str | None = None) -> Response:
        article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
        params = request.query_params
        try:
            to = inputs.whole_number(params.get("to", str(article.revision)), name="to", low=1)
            before = params.get("from", str(max(1, to - 1)))
            start = inputs.whole_number(before, name="from", low=1)
        except inputs.InputError as exc:
            raise ValidationError({exc.name: exc.message}) from exc
        runs = revising.changes_between(article, start, to)
        return Response({"from": start, "to": to, "diff": runs})

    @extend_schema(
        summary="Fetch the article again now, to catch a correction",
        request=None,
        responses={202: sources.FetchSerializer},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def refetch(self, request: Request, pk: str | None = None) -> Response:
        article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
        fetch = ingesting.refetch(user=request.user, article=article)
        return Response(sources.FetchSerializer(fetch).data, status=status.HTTP_202_ACCEPTED)

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_create_article(request.user):
            raise PermissionDenied("You may not add articles to any project.")
        given = request.data if isinstance(request.data, dict) else {}
        if "url" in given and "body" not in given:  # a page to fetch, not a text
            existing, queued = sources.add_from_url(request, self.get_serializer_context())
            if queued is not None:
                return queued
            return self._detail(self.get_queryset().get(pk=existing.pk))
        data = s.ArticleCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = membership.project_for(
            request.user, fields.pop("project", None), permissions.ADDS_ARTICLES
        )
        article = editing.create_article(user=request.user, project=project, **fields)
        return self._detail(self.get_queryset().get(pk=article.pk), status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List the annotations you may see"),
    retrieve=extend_schema(summary="One annotation; its ETag is its version"),
    create=extend_schema(
        summary="Create a draft annotation",
        description=(
            "Anchor it by start and end (Unicode code points into the article body) together "
            "with the quote you saw, which must match the text there; or by a quote alone, with "
            "prefix or suffix to tell repeated passages apart."
        ),
        request=s.AnnotationCreateSerializer,
        responses={201: s.AnnotationSerializer},
    ),
    partial_update=extend_schema(
        summary="Change label, note or span of your draft",
        request=s.AnnotationUpdateSerializer,
        parameters=[IF_MATCH],
    ),
    destroy=extend_schema(summary="Delete your draft", parameters=[IF_MATCH]),
)
class AnnotationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.AnnotationSerializer
    filterset_class = AnnotationFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    versioned = True  # read by the schema: writes may answer 409 and 412

    def get_queryset(self):
        if self.request.method not in SAFE_METHODS:
            # A write only finds its annotation (or answers 404): the domain re-reads the row
            # under lock, and _respond reads the answer. Prefetching evidence, links and
            # history here cost three queries an edit.
            return Annotation.objects.visible_to(self.request.user).select_related("project")
        return self._shown().order_by("-updated_at", "-id")

    # Helpers ------------------------------------------------------------------------------

    def _shown(self):
        return Annotation.objects.visible_to(self.request.user).with_related()

    def _respond(self, annotation: Annotation, code: int = status.HTTP_200_OK) -> Response:
        fresh = self._shown().get(pk=annotation.pk)
        response = Response(self.get_serializer(fresh).data, status=code)
        response["ETag"] = f'"{fresh.version}"'
        return response

    def _versioned(self, operation, *, body_version: int | None = None, **kwargs: Any):
        """Run a write with the caller's expected version: If-Match (412) or body (409)."""
        header = self.request.headers.get("If-Match")
        if header is not None:
            expected, failure = parse_if_match(header), PreconditionFailed
        else:
            expected, failure = body_version, Conflict
        try:
            return operation(expected_version=expected, **kwargs)
        except VersionConflict as exc:
            message = str(exc) if header is None else f"If-Match does not match: {exc}"
            raise failure(message, code="stale_version") from exc

    def _input(self, serializer_class) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    # Resource -----------------------------------------------------------------------------

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        response = Response(self.get_serializer(annotation).data)
        response["ETag"] = f'"{annotation.version}"'
        return response

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(s.AnnotationCreateSerializer)
        annotation = editing.create_annotation(author=request.user, **data)
        # Answered from the saved row, in the serializer's shape (a test holds them equal).
        body = reading.new_annotation(annotation, request.user)
        response = Response(body, status=status.HTTP_201_CREATED)
        response["ETag"] = f'"{annotation.version}"'
        return response

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        changes = self._input(s.AnnotationUpdateSerializer)
        body_version = changes.pop("version", None)
        if not changes:
            # `version` names the version edited; it is never a value to set.
            if body_version is not None:
                raise ValidationError(
                    {"version": "The version cannot be set; send it with the fields you change."}
                )
            raise ValidationError({"non_field_errors": "Nothing to change."})
        updated = self._versioned(
            editing.update_annotation,
            body_version=body_version,
            annotation=annotation,
            user=request.user,
            changes=changes,
        )
        return self._respond(updated)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        self._versioned(editing.delete_annotation, annotation=annotation, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Review actions -----------------------------------------------------------------------

    def _transition(self, name: str) -> Response:
        annotation = self.get_object()
        data = self._input(s.TransitionSerializer)
        updated = self._versioned(
            workflow.perform,
            body_version=data.get("version"),
            name=name,
            annotation=annotation,
            user=self.request.user,
            note=data.get("note", ""),
        )
        return self._respond(updated)

    @extend_schema(
        summary="Submit your draft (or your revision) for review",
        request=s.TransitionSerializer,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._transition("submit")

    @extend_schema(
        summary="Withdraw your submission back to draft",
        request=s.TransitionSerializer,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._transition("withdraw")

    @extend_schema(
        summary="Approve a submitted annotation (reviewers; not your own)",
        request=s.TransitionSerializer,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._transition("approve")

    @extend_schema(
        summary="Reject a submitted annotation, with a note (reviewers; not your own)",
        request=s.TransitionSerializer,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._transition("reject")

    @extend_schema(
        summary="Send a submitted annotation back to its author, with a note",
        request=s.TransitionSerializer,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    @idempotent
    def request_changes(self, request: Request, pk: str | None = None) -> Response:
        return self._transition("request_changes")

    @extend_schema(
        summary="Reopen an approved annotation for changes, with a note (reviewers; not your own)",
        description="Approved work is frozen for everyone; reopening sends it back to its "
        "author as changes requested, and it goes through review again.",
        request=s.TransitionSerializer,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._transition("reopen")

    @extend_schema(
        summary="Rework your rejected annotation into a new draft (the history keeps the decision)",
        request=s.TransitionSerializer,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def revise(self, request: Request, pk: str | None = None) -> Response:
        return self._transition("revise")

    @extend_schema(
        summary="Accept the span a correction proposed for this annotation",
        request=None,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="confirm-anchor")
    @idempotent
    def confirm_anchor(self, request: Request, pk: str | None = None) -> Response:
        annotation = self.get_object()
        updated = self._versioned(
            editing.confirm_proposal, annotation=annotation, user=request.user
        )
        return self._respond(updated)

    # Evidence and links -------------------------------------------------------------------

    @extend_schema(
        summary="Attach evidence with a stance (stored evidence by id, or a new source)",
        request=s.AttachEvidenceSerializer,
        responses={201: s.AnnotationSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="evidence")
    @idempotent
    def attach_evidence(self, request: Request, pk: str | None = None) -> Response:
        annotation = self.get_object()
        data = self._input(s.AttachEvidenceSerializer)
        evidence = data.pop("evidence", None)
        stance, note, version = data.pop("stance"), data.pop("note", ""), data.pop("version", None)
        self._versioned(
            editing.attach_evidence,
            body_version=version,
            annotation=annotation,
            evidence=evidence,
            source=data,
            stance=stance,
            note=note,
            user=request.user,
        )
        return self._respond(annotation, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Detach evidence from the annotation",
        request=None,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["delete"], url_path=r"evidence/(?P<evidence_id>[0-9]+)")
    def detach_evidence(
        self, request: Request, pk: str | None = None, evidence_id: str = ""
    ) -> Response:
        annotation = self.get_object()
        updated = self._versioned(
            editing.detach_evidence,
            annotation=annotation,
            evidence_id=int(evidence_id),
            user=request.user,
        )
        return self._respond(updated)

    @extend_schema(
        summary="Link to another annotation of the same article",
        description="An attribution links to the claim or denial it attributes; a denial to "
        "the claim it denies.",
        request=s.AddLinkSerializer,
        responses={201: s.AnnotationSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="links")
    @idempotent
    def add_link(self, request: Request, pk: str | None = None) -> Response:
        annotation = self.get_object()
        data = self._input(s.AddLinkSerializer)
        self._versioned(
            editing.add_link,
            body_version=data.get("version"),
            source=annotation,
            target=data["target"],
            user=request.user,
        )
        return self._respond(annotation, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a link to another annotation",
        request=None,
        responses=s.AnnotationSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["delete"], url_path=r"links/(?P<target_id>[0-9]+)")
    def remove_link(self, request: Request, pk: str | None = None, target_id: str = "") -> Response:
        annotation = self.get_object()
        updated = self._versioned(
            editing.remove_link, source=annotation, target_id=int(target_id), user=request.user
        )
        return self._respond(updated)


@extend_schema_view(
    list=extend_schema(
        summary="List evidence (search by URL and title)",
        description="In a blind project an annotator (holding no other role there) sees the "
        "sources they added, those cited by annotations they may see, and all of the "
        "project's once every assignment of theirs there is done.",
    ),
    retrieve=extend_schema(summary="One piece of evidence"),
    create=extend_schema(
        summary="Add a source",
        request=s.EvidenceCreateSerializer,
        responses={201: s.EvidenceSerializer},
    ),
)
class EvidenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilter

    def get_queryset(self):
        return (
            Evidence.objects.visible_to(self.request.user)
            .select_related("added_by", "project")
            .order_by("-created_at", "-id")
        )

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.EvidenceCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = membership.project_for(
            request.user, fields.pop("project", None), frozenset({Role.ANNOTATOR})
        )
        evidence = editing.add_evidence(user=request.user, project=project, **fields)
        return Response(self.get_serializer(evidence).data, status=status.HTTP_201_CREATED)
