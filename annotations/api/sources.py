"""Articles from the web through the API: fetches (queued by POST /articles/ with a url),
followed feeds, re-fetches. The rules are ingesting.py's."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access import permissions
from annotations.api.access import HasRole
from annotations.api.fields import BooleanField, HttpUrlField, TextField
from annotations.api.serializers import StrictSerializer, VisibleProjectField
from annotations.ingest import ingesting
from annotations.models import Feed, Fetch
from annotations.projects import membership


class FetchSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    final_url = serializers.CharField(
        read_only=True, help_text="Where the page was found, after redirects; empty until then."
    )

    class Meta:
        model = Fetch
        fields = [
            "id",
            "project",
            "url",
            "reason",
            "state",
            "outcome",
            "error",
            "attempts",
            "article",
            "requested_by",
            "created_at",
            "finished_at",
            "final_url",
            "status_code",
            "content_type",
            "encoding",
            "fetched_at",
        ]
        read_only_fields = fields


class ArticleFromUrlSerializer(StrictSerializer):
    project = VisibleProjectField(required=False)
    url = HttpUrlField(help_text="The page to fetch: http or https, public addresses only.")
    tracked = BooleanField(
        required=False, default=False, help_text="Re-fetch it on a schedule to catch corrections."
    )


class FeedSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Feed
        fields = [
            "id",
            "project",
            "url",
            "title",
            "keywords",
            "active",
            "interval_minutes",
            "last_polled_at",
            "next_poll_at",
            "last_error",
        ]
        read_only_fields = fields


class FollowFeedSerializer(StrictSerializer):
    project = VisibleProjectField(required=False)
    url = HttpUrlField()
    keywords = TextField(required=False, allow_blank=True, max_length=500)
    interval_minutes = serializers.IntegerField(required=False, min_value=5, max_value=10_080)


def add_from_url(request: Request, context: dict[str, Any]) -> tuple[Any, Response | None]:
    """POST /articles/ with a url: (the existing article, None) or (None, a 202 answer)."""
    data = ArticleFromUrlSerializer(data=request.data, context=context)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    project = membership.project_for(
        request.user, fields.pop("project", None), permissions.ADDS_ARTICLES
    )
    article, fetch = ingesting.add_url(user=request.user, project=project, **fields)
    if fetch is None:
        return article, None
    answer = Response(FetchSerializer(fetch).data, status=status.HTTP_202_ACCEPTED)
    answer["Location"] = request.build_absolute_uri(f"/api/v1/fetches/{fetch.pk}/")
    return None, answer


@extend_schema_view(
    list=extend_schema(summary="Pages being fetched or fetched, newest first"),
    retrieve=extend_schema(summary="One fetch: queued, running, done (with its article) or failed"),
)
class FetchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    serializer_class = FetchSerializer

    def get_queryset(self):
        return (
            Fetch.objects.visible_to(self.request.user)
            .select_related("project", "requested_by")
            .defer("html_compressed")
            .order_by("-created_at", "-id")
        )


@extend_schema_view(
    list=extend_schema(summary="Feeds your projects follow"),
    create=extend_schema(
        summary="Follow an RSS or Atom feed (managers); new items become articles",
        request=FollowFeedSerializer,
        responses={201: FeedSerializer},
    ),
    destroy=extend_schema(summary="Stop following a feed (managers)"),
)
class FeedViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [HasRole]
    serializer_class = FeedSerializer

    def get_queryset(self):
        return Feed.objects.visible_to(self.request.user).select_related("project")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = FollowFeedSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = membership.project_for(
            request.user, fields.pop("project", None), permissions.MANAGES
        )
        feed = ingesting.follow_feed(user=request.user, project=project, **fields)
        return Response(FeedSerializer(feed).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Feed) -> None:
        ingesting.unfollow_feed(user=self.request.user, feed=instance)
