"""Projects, members and assignments through the API: members read, managers change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access import permissions
from annotations.agreement import measuring
from annotations.api.fields import BooleanField, EnumTextField, TextField
from annotations.api.idempotency import idempotent
from annotations.api.serializers import StrictSerializer
from annotations.choices import AssignmentState, Role
from annotations.models import Article, Assignment, Membership, Project
from annotations.projects import assigning, membership
from annotations.projects.rendering import markdown_to_html


class ProjectSerializer(serializers.ModelSerializer):
    guidelines_html = serializers.SerializerMethodField()
    my_roles = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "guidelines",
            "guidelines_html",
            "annotators_per_article",
            "blind",
            "review_required",
            "curator_may_annotate",
            "my_roles",
            "created_at",
        ]
        read_only_fields = fields

    def get_guidelines_html(self, project: Project) -> str:
        """The guidelines as sanitised HTML, ready to show."""
        return markdown_to_html(project.guidelines)

    def get_my_roles(self, project: Project) -> list[str]:
        return sorted(permissions.roles(self.context["request"].user).of(project.pk))


class ProjectCreateSerializer(StrictSerializer):
    name = TextField(max_length=200, trim_whitespace=True)
    slug = serializers.SlugField(max_length=60, required=False)
    description = TextField(max_length=10_000, required=False, allow_blank=True)
    guidelines = TextField(max_length=200_000, required=False, allow_blank=True)
    annotators_per_article = serializers.IntegerField(min_value=1, max_value=20, required=False)
    blind = BooleanField(required=False)
    review_required = BooleanField(required=False)
    curator_may_annotate = BooleanField(required=False)


class ProjectUpdateSerializer(ProjectCreateSerializer):
    name = TextField(max_length=200, trim_whitespace=True, required=False)
    slug = None


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["id", "username", "role", "created_at"]
        read_only_fields = fields


class AddMemberSerializer(StrictSerializer):
    username = TextField(max_length=150)
    role = EnumTextField(choices=Role.choices)


class AssignmentSerializer(serializers.ModelSerializer):
    annotator = serializers.CharField(source="annotator.username")
    project = serializers.CharField(source="article.project.slug")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "project",
            "article",
            "annotator",
            "state",
            "due_on",
            "created_at",
            "done_at",
        ]
        read_only_fields = fields


class AssignSerializer(StrictSerializer):
    article = serializers.PrimaryKeyRelatedField(queryset=Article.objects.none())
    annotator = TextField(max_length=150, help_text="Username of an annotator of the project.")
    due_on = serializers.DateField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["article"].queryset = Article.objects.visible_to(request.user)


class AutoAssignSerializer(StrictSerializer):
    per_article = serializers.IntegerField(min_value=1, max_value=20, required=False)
    due_on = serializers.DateField(required=False, allow_null=True)


class AssignmentUpdateSerializer(StrictSerializer):
    state = EnumTextField(choices=AssignmentState.choices)


class ProgressSerializer(serializers.Serializer):
    members = serializers.ListField(child=serializers.DictField())
    articles = serializers.ListField(child=serializers.DictField())


def _data(serializer_class, request: Request, **context: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="The projects you belong to"),
    retrieve=extend_schema(summary="One project, its settings and guidelines"),
    create=extend_schema(
        summary="Create a project (you become its manager)",
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a project's settings (managers)", request=ProjectUpdateSerializer
    ),
)
class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProjectSerializer
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Project.objects.visible_to(self.request.user).order_by("name")

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = membership.create_project(
            user=request.user, **_data(ProjectCreateSerializer, request)
        )
        return Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        changes = _data(ProjectUpdateSerializer, request)
        project = membership.update_project(user=request.user, project=project, changes=changes)
        return Response(self.get_serializer(project).data)

    @extend_schema(
        summary="The project's members and their roles", responses=MembershipSerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def members(self, request: Request, slug: str | None = None) -> Response:
        project = self.get_object()
        rows = project.memberships.select_related("user").order_by("user__username", "role")
        return Response(MembershipSerializer(rows, many=True).data)

    @extend_schema(
        summary="Give a user a role in the project (managers)",
        request=AddMemberSerializer,
        responses={201: MembershipSerializer},
    )
    @members.mapping.post
    @idempotent
    def add_member(self, request: Request, slug: str | None = None) -> Response:
        project = self.get_object()
        made = membership.add_member(
            user=request.user, project=project, **_data(AddMemberSerializer, request)
        )
        return Response(MembershipSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Take a role away (managers)", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<membership_id>[0-9]{1,18})")
    def remove_member(
        self, request: Request, slug: str | None = None, membership_id: str = ""
    ) -> Response:
        project = self.get_object()
        membership.remove_member(
            user=request.user, project=project, membership_id=int(membership_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Give every article short of annotators enough of them, least loaded first",
        request=AutoAssignSerializer,
        responses={201: AssignmentSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], url_path="auto-assign")
    @idempotent
    def auto_assign(self, request: Request, slug: str | None = None) -> Response:
        project = self.get_object()
        made = assigning.auto_assign(
            user=request.user, project=project, **_data(AutoAssignSerializer, request)
        )
        rows = Assignment.objects.filter(pk__in=[a.pk for a in made]).select_related(
            "annotator", "article__project"
        )
        return Response(AssignmentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Agreement of the double-annotated articles: per label, per pair, lowest first",
        description=(
            "Articles count once every annotator assigned to them marked them done. Per label: "
            "Krippendorff's alpha_U and F1 under exact and overlap match; per pair of "
            "annotators: precision, recall and F1 of spans, and of links between matched "
            "spans. Articles are measured again only when their annotations change. "
            "Reviewers, exporters and managers of the project."
        ),
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def agreement(self, request: Request, slug: str | None = None) -> Response:
        project = self.get_object()
        if not permissions.can_see_agreement(request.user, project):
            raise PermissionDenied("Agreement is for the project's reviewers and managers.")
        return Response(measuring.summary(project))

    @extend_schema(summary="Progress per member and per article", responses=ProgressSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def progress(self, request: Request, slug: str | None = None) -> Response:
        project = self.get_object()
        report = assigning.progress(project)
        return Response({"members": report.members, "articles": report.articles})


@extend_schema_view(
    list=extend_schema(summary="Assignments: yours, or all of the projects you manage or review"),
    retrieve=extend_schema(summary="One assignment"),
    create=extend_schema(
        summary="Assign an article to an annotator (managers)",
        request=AssignSerializer,
        responses={201: AssignmentSerializer},
    ),
    partial_update=extend_schema(
        summary="Move an assignment to to-do or in progress", request=AssignmentUpdateSerializer
    ),
)
class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AssignmentSerializer
    queryset = Assignment.objects.none()  # the schema's model; get_queryset() scopes requests
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Assignment.objects.visible_to(self.request.user)
            .select_related("annotator", "article__project")
            .order_by("due_on", "created_at", "id")
        )

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _data(AssignSerializer, request)
        annotator = get_user_model().objects.filter(username=data["annotator"]).first()
        if annotator is None:
            raise ValidationError({"annotator": f"No user is called {data['annotator']!r}."})
        made = assigning.assign(
            user=request.user,
            article=data["article"],
            annotator=annotator,
            due_on=data.get("due_on"),
        )
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assignment = self.get_object()
        data = _data(AssignmentUpdateSerializer, request)
        updated = assigning.set_state(user=request.user, assignment=assignment, state=data["state"])
        return Response(self.get_serializer(updated).data)

    @extend_schema(
        summary="Mark your assignment done: your remaining drafts on the article are submitted",
        request=None,
        responses=AssignmentSerializer,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def done(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        submitted = assigning.mark_done(user=request.user, assignment=assignment)
        body = self.get_serializer(assignment).data
        return Response({**body, "submitted": submitted})
