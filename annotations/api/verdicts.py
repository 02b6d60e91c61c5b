"""Verdicts through the API: draft, change, review steps, corrections of published ones,
ClaimReview out, and the feeds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import permissions
from annotations.api.access import HasRole
from annotations.api.errors import Conflict, PreconditionFailed
from annotations.api.export import CanExport, whole_param
from annotations.api.fields import BooleanField, HttpUrlField, TextField
from annotations.api.filters import ClaimReviewFilter, CorrectionFilter
from annotations.api.responses import fast_json
from annotations.api.serializers import ErrorSerializer, StrictSerializer
from annotations.api.views import IF_MATCH, parse_if_match
from annotations.choices import CorrectionStatus
from annotations.common import inputs
from annotations.common.concurrency import VersionConflict
from annotations.models import SUMMARY_MAX, Annotation, Project, Verdict, VerdictCorrection
from annotations.verdicts import claimreview, verdicting

CONFLICT = OpenApiResponse(
    ErrorSerializer, description="Not in this state: `code` and `detail` say why."
)


@contextmanager
def conflicts_as_409() -> Iterator[None]:
    """Answer a refusal for the verdict's state (not for the input) with 409 and its reason."""
    try:
        yield
    except verdicting.VerdictConflict as exc:
        raise Conflict(exc.reason, code=exc.reason_code) from exc


class CorrectionSerializer(serializers.ModelSerializer):
    verdict = serializers.PrimaryKeyRelatedField(read_only=True)
    changes = serializers.DictField(
        child=serializers.DictField(),
        read_only=True,
        help_text='Each field it changes: {"from": old, "to": new} (a rating by its name).',
    )
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = VerdictCorrection
        fields = [
            "id",
            "verdict",
            "status",
            "changes",
            "note",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, correction: VerdictCorrection) -> list[str]:
        """The steps (approve, reject, withdraw) the requesting user may take now."""
        return verdicting.correction_steps(correction, self.context["request"].user)


class VerdictSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    rating = serializers.CharField(source="rating.name", read_only=True)
    rating_value = serializers.IntegerField(source="rating.value", read_only=True, allow_null=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    review_url = serializers.CharField(read_only=True)
    correction = serializers.SerializerMethodField()
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
            "correction",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(CorrectionSerializer(allow_null=True))
    def get_correction(self, verdict: Verdict) -> dict[str, Any] | None:
        """The correction waiting for review, if any: the public sees the verdict without it."""
        pending = getattr(verdict, "pending_corrections", None)
        if not pending:
            return None
        pending[0].verdict = verdict
        return CorrectionSerializer(pending[0], context=self.context).data

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


class CorrectionCreateSerializer(VerdictFieldsSerializer):
    verdict = serializers.IntegerField(min_value=1, max_value=inputs.MAX_ID)
    note = TextField(max_length=10_000, help_text="What is corrected and why.")


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
        summary="Change your drafted verdict",
        description="A published verdict answers 409 (`correct_published`): correct it with "
        "`POST /api/v1/verdict-corrections/`, which another reviewer approves.",
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
        pending = VerdictCorrection.objects.filter(status=CorrectionStatus.PENDING)
        return (
            Verdict.objects.visible_to(self.request.user)
            .select_related("project", "rating", "author", "approved_by", "claim")
            .prefetch_related(
                Prefetch(
                    "corrections",
                    queryset=pending.select_related("proposed_by", "decided_by"),
                    to_attr="pending_corrections",
                )
            )
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
                expected_version=parse_if_match(header, what="version of this verdict")
                if header is not None
                else None,
            )
        except VersionConflict as exc:
            raise PreconditionFailed(
                f"If-Match does not match: {exc}", code="stale_version"
            ) from exc
        except verdicting.VerdictConflict as exc:
            detail = exc.reason
            if exc.reason_code == "correct_published":
                detail += (
                    " POST /api/v1/verdict-corrections/ with the verdict, the fields to change "
                    "and a note."
                )
            raise Conflict(detail, code=exc.reason_code) from exc
        return self._answer(changed)

    def _step(self, request: Request, name: str) -> Response:
        verdict = self.get_object()
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with conflicts_as_409():
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

    @extend_schema(
        summary="Publish an approved verdict",
        description="409 `claim_has_published_verdict` when the claim has a published verdict "
        "already (also when two are published at once: one wins).",
        request=StepSerializer,
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "publish")

    @extend_schema(
        summary="Retract a published verdict, with a note",
        description="A correction waiting for review is withdrawn with it.",
        request=StepSerializer,
    )
    @action(detail=True, methods=["post"])
    def retract(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "retract")

    @extend_schema(
        summary="A published verdict as schema.org ClaimReview (JSON-LD), embed snippet or Fact "
        "Check Tools markup",
        description="Only a published verdict has one: any other answers 409 with `code` "
        "`not_published` (drafted, submitted, approved) or `retracted`.",
        parameters=[
            OpenApiParameter(
                "as",
                OpenApiTypes.STR,
                enum=["jsonld", "html", "factcheck-tools"],
                description="`jsonld` (default): the ClaimReview, `application/ld+json`; "
                '`html`: the `<script type="application/ld+json">` element to embed, '
                "`text/html; charset=utf-8`, with `<`, `>` and `&` escaped inside the JSON; "
                "`factcheck-tools`: Google Fact Check Tools' ClaimReviewMarkupPage, "
                "`application/json`.",
            )
        ],
        responses={
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            (200, "text/html"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["get"], url_path="claimreview")
    def claim_review(self, request: Request, pk: str | None = None) -> Any:
        verdict = self.get_object()
        wanted = request.query_params.get("as", "jsonld")
        if wanted not in ("jsonld", "html", "factcheck-tools"):
            raise ValidationError({"as": "One of jsonld, html, factcheck-tools."})
        with conflicts_as_409():
            verdicting.check_live(verdict)
        if wanted == "factcheck-tools":
            return fast_json(request, verdicting.markup_page(verdict))
        document = verdicting.document(verdict)
        if wanted == "html":
            snippet = claimreview.embed(document)
            return HttpResponse(snippet, content_type="text/html; charset=utf-8")
        return fast_json(request, document, "application/ld+json")


@extend_schema_view(
    list=extend_schema(summary="Corrections of published verdicts in your projects"),
    retrieve=extend_schema(summary="One correction: what it changes, from what to what"),
    create=extend_schema(
        summary="Propose a correction of a published verdict (fact-checkers)",
        description="The public (feeds, ClaimReview, the W3C export) keeps the published "
        "version until another reviewer approves the correction; then it replaces it and "
        "the ClaimReview carries `dateModified`. One correction waits at a time (409 "
        "`correction_pending`); a verdict that is not published answers 409 `not_published`.",
        request=CorrectionCreateSerializer,
        responses={201: CorrectionSerializer, 409: CONFLICT},
    ),
)
class VerdictCorrectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [HasRole]
    serializer_class = CorrectionSerializer
    queryset = VerdictCorrection.objects.none()
    filterset_class = CorrectionFilter

    def get_queryset(self):
        verdicts = Verdict.objects.visible_to(self.request.user)
        return (
            VerdictCorrection.objects.filter(verdict__in=verdicts)
            .select_related("verdict", "proposed_by", "decided_by")
            .order_by("-proposed_at", "-id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CorrectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        verdict = (
            Verdict.objects.visible_to(request.user)
            .select_related("project")
            .filter(pk=fields.pop("verdict"))
            .first()
        )
        if verdict is None:
            raise ValidationError({"verdict": ["No such verdict among those you may see."]})
        note = fields.pop("note")
        with conflicts_as_409():
            proposed = verdicting.propose_correction(
                user=request.user,
                verdict=verdict,
                changes=_fields(fields, verdict.project),
                note=note,
            )
        stored = self.get_queryset().get(pk=proposed.pk)
        return Response(self.get_serializer(stored).data, status=status.HTTP_201_CREATED)

    def _step(self, request: Request, name: str) -> Response:
        correction = self.get_object()
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with conflicts_as_409():
            verdicting.decide_correction(
                name,
                correction=correction,
                user=request.user,
                note=data.validated_data.get("note", ""),
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=correction.pk)).data)

    @extend_schema(
        summary="Approve another's correction (reviewers): it goes public at once",
        request=StepSerializer,
        responses={200: CorrectionSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "approve")

    @extend_schema(
        summary="Reject another's correction (reviewers), with a note",
        request=StepSerializer,
        responses={200: CorrectionSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "reject")

    @extend_schema(
        summary="Withdraw the correction you proposed",
        request=StepSerializer,
        responses={200: CorrectionSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "withdraw")


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
