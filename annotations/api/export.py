"""GET /api/v1/export/annotations/: reviewed annotations for data teams and publishers."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import django_filters
from django.db.models import Q
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import permissions
from annotations.api.filters import AnnotationFilter, UtcDateTimeFilter
from annotations.api.responses import fast_json
from annotations.choices import Status
from annotations.common.inputs import MAX_ID, InputError, whole_number
from annotations.export import pages, tallying
from annotations.export.formats import FORMATS, Format, snapshot
from annotations.models import Annotation
from annotations.models.querysets import ANNOTATION_SETS, AnnotationQuerySet, ExportScope

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


class ExportFilter(AnnotationFilter):
    publisher = django_filters.CharFilter(field_name="article__publisher", lookup_expr="iexact")
    reviewed_since = UtcDateTimeFilter(
        field_name="reviewed_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )

    class Meta(AnnotationFilter.Meta):
        fields = [*AnnotationFilter.Meta.fields, "publisher", "reviewed_since"]


class CanExport(drf_permissions.BasePermission):
    message = "Exporting needs the exporter, reviewer or manager role in a project."

    def has_permission(self, request, view) -> bool:
        return permissions.can_export(request.user)


class FormatParameterIsOurs(BaseContentNegotiation):
    """`?format=` picks the export format here, not a DRF renderer; errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type

    def select_parser(self, request, parsers):
        return None


def whole_param(params, name: str, default: int | None, low: int, high: int) -> int | None:
    """A whole-number query parameter from low to high (default when absent); a 400 naming
    it otherwise."""
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return whole_number(raw, name=name, low=low, high=high)
    except InputError as exc:
        raise ValidationError({name: exc.message}) from exc


def download_name(request: Request, fmt: Format) -> str:
    """The file name a browser saves the export under: the project and the format
    (newsroom-annotations.jsonld), so that downloads from several projects do not overwrite
    each other. Only a slug names the file: anything else could break out of the header."""
    project = request.query_params.get("project", "")
    prefix = f"{project}-" if SLUG.fullmatch(project) else ""
    return f"{prefix}annotations.{fmt.extension}"


class AnnotationExportView(APIView):
    permission_classes = [drf_permissions.IsAuthenticated, CanExport]
    content_negotiation_class = FormatParameterIsOurs
    filterset_class = ExportFilter

    @extend_schema(
        summary="Export annotations (approved only, unless status says otherwise)",
        description=(
            "Formats: `json` (pages by id cursor, with a `next` link), `jsonl` and `csv` "
            "(streamed), `w3c` (a W3C Web Annotation AnnotationCollection; its pages are "
            "AnnotationPages). Offsets count Unicode code points. Filters combine; pass "
            "`updated_since` or `reviewed_since` to pull only what changed since a last run. "
            "Every format answers `Content-Disposition: attachment` with a file name: "
            "`<project>-annotations.<json|jsonl|csv|jsonld>` (`annotations.<ext>` without a "
            "`project` filter)."
        ),
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(FORMATS), default="json"),
            OpenApiParameter("after", OpenApiTypes.INT, description="Page cursor (json, w3c)."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 1000; default 100."),
            OpenApiParameter(
                "set",
                OpenApiTypes.STR,
                enum=list(ANNOTATION_SETS),
                description="Which annotations: `adjudicated` (each article's adjudicated set, "
                "with `proposed_by`), `annotators` (every annotator's own work with its "
                "`author`, for training on disagreement; every status but draft unless "
                "`status` says otherwise) or `all`. Default: the adjudicated set in projects "
                "with two or more annotators per article, everything in the others.",
            ),
            OpenApiParameter(
                "start", OpenApiTypes.INT, description="w3c: startIndex, carried by next links."
            ),
            OpenApiParameter(
                "total", OpenApiTypes.INT, description="w3c: collection total, carried by links."
            ),
        ],
        filters=True,
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/ld+json"): OpenApiResponse(OpenApiTypes.OBJECT),
        },
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        fmt = FORMATS.get(request.query_params.get("format", "json"))
        if fmt is None:
            raise ValidationError({"format": f"One of {', '.join(FORMATS)}."})
        queryset = self._filtered(request)
        if fmt.streamed:
            return self._stream(fmt, queryset, download_name(request, fmt))
        params = request.query_params
        link = self._linker(request)
        arguments = {"collection_iri": link(None), "link": link, "iri": request.build_absolute_uri}
        headers = {"Content-Disposition": f'attachment; filename="{download_name(request, fmt)}"'}
        if fmt.collection is not None and "after" not in params:
            document = fmt.collection(queryset, **arguments)
            headers["X-Total-Count"] = str(document["total"])
        else:
            assert fmt.page is not None
            document = fmt.page(
                queryset,
                after=whole_param(params, "after", 0, 0, MAX_ID),
                size=whole_param(params, "page_size", pages.PAGE_SIZE, 1, pages.MAX_PAGE_SIZE),
                start=whole_param(params, "start", None, 0, MAX_ID),
                total=whole_param(params, "total", None, 0, MAX_ID),
                **arguments,
            )
        if fmt.collection is None and "after" not in params:
            headers["X-Total-Count"] = str(queryset.count())  # the first page says how many
        return fast_json(request, document, fmt.content_type, headers)

    def _filtered(self, request: Request) -> AnnotationQuerySet:
        params = request.query_params.copy()
        params.pop("format", None)
        chosen = params.pop("set", [""])[-1]
        if chosen and chosen not in ANNOTATION_SETS:
            raise ValidationError({"set": f"One of {', '.join(ANNOTATION_SETS)}."})

        def select(rows: ExportScope) -> ExportScope:
            base = rows.exportable_by(request.user).in_set(chosen)
            if "status" not in params:
                default = base.filter(~Q(status=Status.DRAFT))
                base = default if chosen == "annotators" else base.exported_by_default()
            filterset = ExportFilter(params, queryset=base, request=request)
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            return filterset.qs

        # The same selection of the tally, where it can be made, counts it.
        return tallying.counted(select(Annotation.objects.all()), select)

    def _stream(self, fmt: Format, queryset, filename: str) -> StreamingHttpResponse:
        total, blocks = snapshot(fmt, queryset)
        response = StreamingHttpResponse(blocks, content_type=fmt.content_type)
        response["X-Total-Count"] = str(total)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response

    def _linker(self, request: Request):
        """Build this export's URL for a cursor (None: the collection itself)."""
        cursor = ("after", "start", "total")
        kept = [(k, v) for k, v in request.query_params.lists() if k not in cursor]
        flat = [(k, v) for k, values in kept for v in values]

        def link(after: int | None, **position: int) -> str:
            query = list(flat)
            if after is not None:
                query += [("after", str(after))]
                query += [(name, str(value)) for name, value in position.items()]
            return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")

        return link
