"""An article's adjudication through the API: what the adjudication screen reads and sends.

GET shows the annotators' variants, their clusters and the adjudicated set; POST opens the
adjudication; the decisions are POSTs of their own. The rules are adjudicating.py's.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import permissions
from annotations.agreement import adjudicating
from annotations.api.access import HasRole
from annotations.api.fields import EnumTextField, OffsetField, TextField
from annotations.api.serializers import StrictSerializer
from annotations.choices import Label
from annotations.common.inputs import MAX_ID
from annotations.models import Adjudication, Annotation, Article


class ChoiceSerializer(StrictSerializer):
    annotations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=1000
    )


class SpanSerializer(StrictSerializer):
    start = OffsetField(required=False)
    end = OffsetField(required=False)
    quote = TextField(required=False, max_length=1_000_000)
    label = EnumTextField(choices=Label.choices, required=False)


class AcceptSerializer(ChoiceSerializer, SpanSerializer):
    pass


class AddSerializer(SpanSerializer):
    start = OffsetField()
    end = OffsetField()
    label = EnumTextField(choices=Label.choices)


def _set(article: Article) -> list[dict[str, Any]]:
    rows = (
        adjudicating.adjudicated_set(article)
        .prefetch_related("outgoing_links", "derived_from")
        .order_by("start", "-end", "pk")
    )
    return [
        {
            "id": a.pk,
            "label": a.label,
            "start": a.start,
            "end": a.end,
            "quote": a.quote,
            "note": a.note,
            "status": a.status,
            "proposed_by": a.proposed_by.split(", ") if a.proposed_by else [],
            "derived_from": sorted(s.pk for s in a.derived_from.all()),
            "links": [
                {"kind": link.kind, "target": link.target_id} for link in a.outgoing_links.all()
            ],
        }
        for a in rows
    ]


def state(article: Article, user: Any) -> dict[str, Any]:
    """Everything the adjudication screen shows, for this user."""
    adjudication = Adjudication.objects.select_related("curator").filter(article=article).first()
    clusters = adjudicating.variants(article, adjudication)
    refusal = adjudicating.refusal(user, article)
    ready = adjudicating.ready_problem(article)
    mine = adjudication is not None and adjudication.curator_id == user.pk
    return {
        "article": {"id": article.pk, "title": article.title, "revision": article.revision},
        "annotators": [name for _id, name in adjudicating.annotators(article)],
        "curator_may_annotate": article.project.curator_may_annotate,
        "adjudication": None
        if adjudication is None
        else {
            "curator": adjudication.curator.get_username(),
            "curator_annotated": adjudication.curator_annotated,
            "started_at": adjudication.started_at,
            "finished_at": adjudication.finished_at,
        },
        "can_open": adjudication is None and refusal is None and ready is None,
        "can_change": mine and not adjudication.finished and refusal is None,
        "refusal": refusal,
        "not_ready": ready,
        "open": sum(c.open for c in clusters),
        "clusters": [
            {
                "start": c.start,
                "end": c.end,
                "disputed": c.disputed,
                "variants": [v.as_json() for v in c.variants],
            }
            for c in clusters
        ],
        "set": _set(article),
    }


class AdjudicationView(APIView):
    """GET the adjudication of an article; POST opens it (the agreed spans go in at once)."""

    permission_classes = [HasRole]

    def article(self, request: Request, pk: int) -> Article:
        article = get_object_or_404(
            Article.objects.visible_to(request.user).select_related("project"), pk=pk
        )
        if not permissions.can_see_agreement(request.user, article.project):
            raise PermissionDenied(
                "Adjudication compares annotators' work: reviewers, exporters and managers of "
                "the project see it."
            )
        return article

    def adjudication(self, article: Article) -> Adjudication:
        adjudication = Adjudication.objects.filter(article=article).first()
        if adjudication is None:
            raise NotFound("This article has no adjudication yet: open it first.")
        adjudication.article = article
        return adjudication

    def answer(self, request: Request, article: Article, code: int = 200) -> Response:
        return Response(state(article, request.user), status=code)

    @extend_schema(
        summary="An article's adjudication: the annotators' variants and the adjudicated set",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.answer(request, self.article(request, pk))

    @extend_schema(
        summary="Open the article's adjudication (you become its curator)",
        request=None,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, pk: int) -> Response:
        article = self.article(request, pk)
        adjudicating.open_adjudication(user=request.user, article=article)
        return self.answer(request, article, status.HTTP_201_CREATED)


class AdjudicationStepView(AdjudicationView):
    """One decision: accept, add, reject, reopen or finish."""

    step = ""
    http_method_names = ["post", "options"]

    @extend_schema(
        summary="A decision: accept (variants, optionally edited or merged), add, reject, "
        "reopen (a rejection), or finish",
        request=AcceptSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, pk: int) -> Response:
        article = self.article(request, pk)
        adjudication = self.adjudication(article)
        user = request.user
        if self.step == "accept":
            data = _valid(AcceptSerializer, request)
            adjudicating.accept(user=user, adjudication=adjudication, **data)
        elif self.step == "add":
            data = _valid(AddSerializer, request)
            adjudicating.add(user=user, adjudication=adjudication, **data)
        elif self.step in ("reject", "reopen"):
            data = _valid(ChoiceSerializer, request)
            getattr(adjudicating, self.step)(user=user, adjudication=adjudication, **data)
        else:
            adjudicating.finish(user=user, adjudication=adjudication)
        return self.answer(request, article)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class AdjudicatedAnnotationView(AdjudicationView):
    """PATCH moves or relabels a span of the set; DELETE takes it out."""

    http_method_names = ["patch", "delete", "options"]

    def annotation(self, adjudication: Adjudication, annotation_id: int) -> Annotation:
        return get_object_or_404(
            adjudicating.adjudicated_set(adjudication.article), pk=annotation_id
        )

    @extend_schema(
        summary="Move or relabel a span of the adjudicated set",
        request=SpanSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def patch(self, request: Request, pk: int, annotation_id: int) -> Response:
        article = self.article(request, pk)
        adjudication = self.adjudication(article)
        data = _valid(SpanSerializer, request)
        adjudicating.change(
            user=request.user,
            adjudication=adjudication,
            annotation=self.annotation(adjudication, annotation_id),
            **data,
        )
        return self.answer(request, article)

    @extend_schema(
        summary="Take a span out of the adjudicated set", responses={200: OpenApiTypes.OBJECT}
    )
    def delete(self, request: Request, pk: int, annotation_id: int) -> Response:
        article = self.article(request, pk)
        adjudication = self.adjudication(article)
        adjudicating.remove(
            user=request.user,
            adjudication=adjudication,
            annotation=self.annotation(adjudication, annotation_id),
        )
        return self.answer(request, article)
