"""Shapes of API requests and responses. Reads never query: views pass shaped querysets."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from annotations.access import permissions
from annotations.api.fields import EnumTextField, HttpUrlField, OffsetField, TextField
from annotations.choices import Anchor, Label, LinkKind, Stance, Status
from annotations.common.inputs import MAX_ID
from annotations.models import (
    Annotation,
    AnnotationLink,
    Article,
    ArticleRevision,
    Evidence,
    EvidenceLink,
    Project,
)
from annotations.models.querysets import row_with
from annotations.review import workflow
from annotations.search import searching
from annotations.spans.shape import ANNOTATION_FIELDS

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")  # what Project.slug (a SlugField) can hold

READ_ONLY_REASON = {
    "status": "Status changes only through the submit, withdraw, approve, reject and "
    "request-changes actions.",
    "author": "The author is whoever created the annotation.",
    "reviewer": "The reviewer is set by the review actions.",
}


class StrictSerializer(serializers.Serializer):
    """Refuse fields the endpoint does not take, naming them, instead of silently dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            extra = set(data) - writable
            if extra:
                raise serializers.ValidationError(
                    {
                        name: READ_ONLY_REASON.get(name, "This field is unknown or read-only.")
                        for name in sorted(extra)
                    }
                )
        return super().to_internal_value(data)


# Responses -------------------------------------------------------------------------------------


class AnnotationEvidenceSerializer(serializers.Serializer):
    evidence = serializers.IntegerField(source="evidence_id")
    url = serializers.URLField(source="evidence.url")
    title = serializers.CharField(source="evidence.title")
    publisher = serializers.CharField(source="evidence.publisher")
    stance = serializers.ChoiceField(choices=Stance.choices)
    note = serializers.CharField()

    class Meta:
        model = EvidenceLink


class AnnotationLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    target = serializers.IntegerField(source="target_id")

    class Meta:
        model = AnnotationLink


class ReviewStepSerializer(serializers.Serializer):
    """One status change, with who made it and why: the annotation's review history."""

    from_status = serializers.ChoiceField(choices=Status.choices)
    to_status = serializers.ChoiceField(choices=Status.choices)
    actor = serializers.CharField(source="actor.username")
    note = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


class ProposedSpanSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class AnnotationSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    article = serializers.IntegerField(source="article_id")
    author = serializers.CharField(source="author.username")
    reviewer = serializers.SerializerMethodField()
    evidence = AnnotationEvidenceSerializer(source="evidence_links", many=True)
    links = AnnotationLinkSerializer(source="outgoing_links", many=True)
    anchor = serializers.ChoiceField(choices=Anchor.choices)
    proposed = serializers.SerializerMethodField()
    history = ReviewStepSerializer(source="review_events", many=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = [
            "id",
            "project",
            "article",
            *ANNOTATION_FIELDS,
            "version",
            "anchor",
            "proposed",
            "history",
            "evidence",
            "links",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(ProposedSpanSerializer(allow_null=True))
    def get_proposed(self, annotation: Annotation) -> dict | None:
        """Where a correction may have moved it, on the current text, awaiting confirmation."""
        if annotation.proposed_start is None:
            return None
        return {"start": annotation.proposed_start, "end": annotation.proposed_end}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reviewer(self, annotation: Annotation) -> str | None:
        return annotation.reviewer.username if annotation.reviewer_id else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, annotation: Annotation) -> list[str]:
        """What the requesting user may do to it now, so clients can show only live buttons."""
        request = self.context.get("request")
        return workflow.actions(annotation, request.user) if request is not None else []


class ArticleAnnotationSerializer(AnnotationSerializer):
    """The documented shape of an article's annotations read all at once (reading.py builds
    it): an annotation without the project and article every row would repeat."""

    class Meta(AnnotationSerializer.Meta):
        fields = [f for f in AnnotationSerializer.Meta.fields if f not in ("project", "article")]
        read_only_fields = fields


class ArticleCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_label = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())


class ArticleSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    source_url = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "project",
            "title",
            "publisher",
            "byline",
            "source_url",
            "published_on",
            "revision",
            "body_hash",
            "created_by",
            "created_at",
            "updated_at",
            "counts",
            "snippet",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="With `search`: a passage of the text as HTML, escaped, the matched words "
            "in <mark>. Otherwise null.",
        )
    )
    def get_snippet(self, article: Article) -> str | None:
        request = self.context.get("request")
        words = request.query_params.get("search", "") if request is not None else ""
        if not searching.has_words(words):
            return None
        return str(searching.marked(searching.snippet(article, words, searching.ARTICLE)))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_source_url(self, article: Article) -> str | None:
        return article.source_url or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_created_by(self, article: Article) -> str | None:
        return article.created_by.username if article.created_by_id else None

    @extend_schema_field(ArticleCountsSerializer)
    def get_counts(self, article: Article) -> dict:
        """Counts come from ArticleQuerySet.with_counts(): annotations the caller may see."""
        return {
            "total": article.n_annotations,
            "by_label": {label: getattr(article, f"n_{label}") for label in Label.values},
            "by_status": {status: getattr(article, f"n_{status}") for status in Status.values},
        }


class ArticleDetailSerializer(ArticleSerializer):
    annotations = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body", "annotations"]
        read_only_fields = fields

    @extend_schema_field(ArticleAnnotationSerializer(many=True))
    def get_annotations(self, article: Article) -> list[dict]:
        """Built by the view with reading.article_annotations, as …/annotations/ serves them."""
        return article.visible_annotations


class EvidenceSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    added_by = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "project",
            "url",
            "title",
            "publisher",
            "excerpt",
            "accessed_on",
            "added_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_added_by(self, evidence: Evidence) -> str | None:
        return evidence.added_by.username if evidence.added_by_id else None


# Requests --------------------------------------------------------------------------------------


class VisibleProjectField(serializers.SlugRelatedField):
    """A project named by slug, among those the caller belongs to (others do not exist)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault("queryset", Project.objects.none())
        kwargs.setdefault(
            "help_text", "The project's slug; may be left out by members of one project."
        )
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return Project.objects.visible_to(request.user) if request else Project.objects.none()

    def to_internal_value(self, data: Any) -> Project:
        """Refuse what is no slug before it reaches the database (a NUL byte there is a 500)."""
        if not isinstance(data, str):
            self.fail("invalid")
        if not _SLUG.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data[:100])
        return super().to_internal_value(data)


class ArticleCreateSerializer(StrictSerializer):
    project = VisibleProjectField(required=False)
    title = TextField(max_length=500, trim_whitespace=True)
    publisher = TextField(max_length=200, required=False, allow_blank=True, trim_whitespace=True)
    byline = TextField(max_length=300, required=False, allow_blank=True, trim_whitespace=True)
    source_url = HttpUrlField(required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    body = TextField(max_length=2_000_000)


class VisibleArticleField(serializers.PrimaryKeyRelatedField):
    """An article by id, with its project, among those the caller may read (others do not
    exist); read with the SQL querysets.row_with compiles once, as creating an annotation
    (the API's hottest write) names one."""

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=Article.objects.none(), **kwargs)

    def to_internal_value(self, data: Any) -> Article:
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        request = self.context.get("request")
        article = row_with(Article, data, "project") if 0 < data <= MAX_ID else None
        if article is None or request is None or not permissions.can_read(request.user, article):
            self.fail("does_not_exist", pk_value=data)
        return article


class AnnotationCreateSerializer(StrictSerializer):
    """Anchor by offsets with the quote the client saw, or by a quote (and context) alone.

    Only types and sizes are checked here; editing.create_annotation decides what is valid.
    """

    article = VisibleArticleField()
    label = EnumTextField(choices=Label.choices)
    start = OffsetField(required=False)
    end = OffsetField(required=False)
    quote = TextField(required=False, max_length=100_000)
    prefix = TextField(required=False, allow_blank=True, max_length=10_000)
    suffix = TextField(required=False, allow_blank=True, max_length=10_000)
    note = TextField(required=False, allow_blank=True, max_length=10_000)


class VersionedSerializer(StrictSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text="The version you edited; a stale one gets 409. If-Match does the same (412).",
    )


class AnnotationUpdateSerializer(VersionedSerializer):
    label = EnumTextField(choices=Label.choices, required=False)
    note = TextField(required=False, allow_blank=True, max_length=10_000)
    start = OffsetField(required=False)
    end = OffsetField(required=False)
    quote = TextField(required=False, max_length=100_000)


class TransitionSerializer(VersionedSerializer):
    note = TextField(
        required=False,
        allow_blank=True,
        max_length=10_000,
        help_text="Required to reject or to request changes.",
    )


class AttachEvidenceSerializer(VersionedSerializer):
    """Attach stored evidence by id, or describe a new source by url and title."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Evidence of a project the caller is not in does not exist, as far as they know.
            self.fields["evidence"].queryset = Evidence.objects.visible_to(request.user)

    evidence = serializers.PrimaryKeyRelatedField(queryset=Evidence.objects.none(), required=False)
    url = HttpUrlField(required=False)
    title = TextField(required=False, max_length=500, trim_whitespace=True)
    publisher = TextField(required=False, allow_blank=True, max_length=200, trim_whitespace=True)
    excerpt = TextField(required=False, allow_blank=True, max_length=10_000)
    accessed_on = serializers.DateField(required=False, allow_null=True)
    stance = EnumTextField(choices=Stance.choices)
    note = TextField(required=False, allow_blank=True, max_length=10_000)


class AddLinkSerializer(VersionedSerializer):
    target = serializers.PrimaryKeyRelatedField(queryset=Annotation.objects.none())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # A target the caller may not see does not exist, as far as the caller knows.
            self.fields["target"].queryset = Annotation.objects.visible_to(request.user)


class EvidenceCreateSerializer(StrictSerializer):
    project = VisibleProjectField(required=False)
    url = HttpUrlField()
    title = TextField(max_length=500, trim_whitespace=True)
    publisher = TextField(required=False, allow_blank=True, max_length=200, trim_whitespace=True)
    excerpt = TextField(required=False, allow_blank=True, max_length=10_000)
    accessed_on = serializers.DateField(required=False, allow_null=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For validation errors: each field at fault with its reasons.",
    )


class RevisionSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = ArticleRevision
        fields = [
            "number",
            "note",
            "created_by",
            "created_at",
            "mapped",
            "found",
            "proposed",
            "orphaned",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_created_by(self, revision: ArticleRevision) -> str | None:
        return revision.created_by.username if revision.created_by_id else None


class RevisionCreateSerializer(StrictSerializer):
    body = TextField(max_length=2_000_000)
    note = TextField(
        required=False, allow_blank=True, max_length=500, help_text="What was corrected."
    )


DiffSerializer = inline_serializer(
    "Diff",
    {
        "from": serializers.IntegerField(),
        "to": serializers.IntegerField(),
        "diff": serializers.ListField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text='Runs of ["equal" | "delete" | "insert", text].',
        ),
    },
)
