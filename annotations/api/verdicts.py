"""Verdicts through the API: draft, change, review steps, ClaimReview out, and the feeds."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import claimreview, inputs, permissions, verdicting
from annotations.api.access import HasRole
from annotations.api.errors import PreconditionFailed
from annotations.api.export import CanExport, whole_param
from annotations.api.fields import BooleanField, HttpUrlField, TextField
from annotations.api.filters import ClaimReviewFilter
from annotations.api.responses import fast_json
from annotations.api.serializers import StrictSerializer
from annotations.api.views import IF_MATCH, parse_if_match
from annotations.concurrency import VersionConflict
from annotations.models import SUMMARY_MAX, Annotation, Project, Verdict


class VerdictSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    rating = serializers.CharField(source="rating.name", read_only=True)
    rating_value = serializers.IntegerField(source="rating.value", read_only=True, allow_null=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    review_url = serializers.CharField(read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Verdict
        fields = [
            "id",
            "project",
            "claim",
            "rating",
            "rating_value",
            "summary",
            "claimant",
            "claimant_is_organization",
            "claim_date",
            "appearance_url",
            "review_url",
            "status",
            "author",
            "approved_by",
            "created_at",
            "updated_at",
            "published_at",
            "modified_at",
            "retracted_at",
            "version",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, verdict: Verdict) -> list[str]:
        """The review steps the requesting user may take now."""
        return verdicting.available(verdict, self.context["request"].user)


class VerdictFieldsSerializer(StrictSerializer):
    rating = TextField(required=False, max_length=60, help_text="A name on the project's scale.")
    summary = TextField(required=False, max_length=10_000, trim_whitespace=True)
    claimant = TextField(required=False, max_length=1000, trim_whitespace=True)
    claimant_is_organization = BooleanField(required=False)
    claim_date = serializers.DateField(required=False, allow_null=True)
    appearance_url = HttpUrlField(required=False)
    review_url = HttpUrlField(required=False, allow_blank=True)


class VerdictCreateSerializer(VerdictFieldsSerializer):
    claim = serializers.IntegerField(min_value=1, max_value=inputs.MAX_ID)
    rating = TextField(max_length=60, help_text="A name on the project's scale.")


class StepSerializer(StrictSerializer):
    note = TextField(required=False, allow_blank=True, max_length=10_000)


def _fields(data: dict[str, Any], project: Project) -> dict[str, Any]:
    if "rating" in data:
        data["rating"] = verdicting.rating_named(project, data["rating"])
    return data


@extend_schema_view(
    list=extend_schema(summary="Verdicts of your projects"),
    retrieve=extend_schema(summary="One verdict; its ETag is its version"),
    create=extend_schema(
        summary="Draft a verdict on an approved claim (prefilled from the claim)",
        description=f"`summary` (claimReviewed) holds at most {SUMMARY_MAX} characters.",
        request=VerdictCreateSerializer,
        responses={201: VerdictSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a drafted verdict, or correct a published one (dateModified)",
        request=VerdictFieldsSerializer,
        parameters=[IF_MATCH],
    ),
)
class VerdictViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [HasRole]
    serializer_class = VerdictSerializer
    queryset = Verdict.objects.none()
    versioned = True  # read by the schema: a PATCH with a stale If-Match answers 412
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Verdict.objects.visible_to(self.request.user)
            .select_related("project", "rating", "author", "approved_by", "claim")
            .order_by("-updated_at", "-id")
        )

    def _answer(self, verdict: Verdict, code: int = status.HTTP_200_OK) -> Response:
        stored = self.get_queryset().get(pk=verdict.pk)
        answer = Response(self.get_serializer(stored).data, status=code)
        answer["ETag"] = f'"{stored.version}"'
        return answer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = VerdictCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        claim = (
            Annotation.objects.visible_to(request.user)
            .select_related("article", "project")
            .filter(pk=fields.pop("claim"))
            .first()
        )
        if claim is None:
            raise ValidationError({"claim": ["No such annotation among those you may see."]})
        verdict = verdicting.draft(user=request.user, claim=claim, **_fields(fields, claim.project))
        return self._answer(verdict, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        verdict = self.get_object()
        data = VerdictFieldsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data:
            raise ValidationError({"non_field_errors": ["Send at least one field to change."]})
        header = request.headers.get("If-Match")
        try:
            changed = verdicting.change(
                user=request.user,
                verdict=verdict,
                changes=_fields(dict(data.validated_data), verdict.project),
                expected_version=parse_if_match(header) if header is not None else None,
            )
        except VersionConflict as exc:
            raise PreconditionFailed(
                f"If-Match does not match: {exc}", code="stale_version"
            ) from exc
        return self._answer(changed)

    def _step(self, request: Request, name: str) -> Response:
        verdict = self.get_object()
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = verdicting.perform(
            name, verdict=verdict, user=request.user, note=data.validated_data.get("note", "")
        )
        return self._answer(done)

    @extend_schema(summary="Submit your verdict for review", request=StepSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "submit")

    @extend_schema(summary="Withdraw your submitted verdict", request=StepSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "withdraw")

    @extend_schema(summary="Approve another's verdict (reviewers)", request=StepSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "approve")

    @extend_schema(summary="Send a verdict back to its author, with a note", request=StepSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "send_back")

    @extend_schema(summary="Publish an approved verdict", request=StepSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "publish")

    @extend_schema(summary="Retract a published verdict, with a note", request=StepSerializer)
    @action(detail=True, methods=["post"])
    def retract(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "retract")

    @extend_schema(
        summary="The verdict as schema.org ClaimReview (JSON-LD), embed snippet or Fact Check "
        "Tools markup",
        parameters=[
            OpenApiParameter(
                "as",
                OpenApiTypes.STR,
                enum=["jsonld", "html", "factcheck-tools"],
                description="`jsonld` (default): the ClaimReview; `html`: the <script> snippet "
                "to embed; `factcheck-tools`: Google Fact Check Tools' ClaimReviewMarkupPage.",
            )
        ],
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="claimreview")
    def claim_review(self, request: Request, pk: str | None = None) -> Any:
        verdict = self.get_object()
        wanted = request.query_params.get("as", "jsonld")
        if wanted == "factcheck-tools":
            return Response(verdicting.markup_page(verdict))
        document = verdicting.document(verdict)
        if wanted == "html":
            return HttpResponse(claimreview.embed(document), content_type="text/plain")
        if wanted != "jsonld":
            raise ValidationError({"as": "One of jsonld, html, factcheck-tools."})
        return fast_json(request, document, "application/ld+json")


def _page(request: Request, verdicts: Any, name: str) -> HttpResponse:
    params = request.query_params
    after = whole_param(params, "after", 0, 0, inputs.MAX_ID)
    size = whole_param(params, "page_size", 100, 1, 500)
    filtered = ClaimReviewFilter(params, queryset=verdicts, request=request)
    if not filtered.is_valid():
        raise ValidationError(filtered.errors)
    verdicts = filtered.qs
    reviews, following = verdicting.feed_page(verdicts, after=after, size=size)
    dates = [r.get("dateModified") or r.get("datePublished") or "" for r in reviews]
    headers = {"X-Total-Count": str(verdicting.published(verdicts).count())}
    if following is not None:
        kept = [(k, v) for k, v in params.items() if k != "after"]
        query = urlencode([*kept, ("after", following)])
        headers["Link"] = f'<{request.build_absolute_uri(request.path)}?{query}>; rel="next"'
    document = claimreview.data_feed(name, reviews, max(dates, default="") or None)
    return fast_json(request, document, "application/ld+json", headers)


class ClaimReviewExportView(APIView):
    """GET /api/v1/export/claimreviews/: the published ClaimReviews of your projects."""

    permission_classes = [HasRole, CanExport]

    @extend_schema(
        summary="Published ClaimReviews, paged (a schema.org DataFeed; next page in Link)",
        parameters=[
            OpenApiParameter("project", OpenApiTypes.STR, description="A project's slug."),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
            OpenApiParameter("after", OpenApiTypes.INT, description="Page cursor (from Link)."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500; 100."),
        ],
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        projects = Project.objects.where(request.user, permissions.EXPORTS)
        slug = request.query_params.get("project")
        if slug:
            projects = projects.filter(slug=slug)
            if not projects.exists():
                raise ValidationError({"project": "Not a project you export from."})
        verdicts = Verdict.objects.filter(project__in=projects)
        return _page(request, verdicts, "Fact-checks")


class PublicClaimReviewFeed(APIView):
    """A project's published fact-checks for crawlers and aggregators: public, like the
    fact-checks themselves."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(exclude=True)  # outside the API (/feeds/): documented in the README
    def get(self, request: Request, slug: str) -> Response:
        project = get_object_or_404(Project.objects.all(), slug=slug)
        name = project.publisher_name or project.name
        return _page(request, Verdict.objects.filter(project=project), f"{name}: fact-checks")
