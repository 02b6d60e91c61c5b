from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from annotations.choices import CorrectionStatus, Label, Status
from annotations.models import Annotation, Article, Evidence, Verdict, VerdictCorrection
from annotations.search import searching


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, compared in UTC: PostgreSQL refuses offsets beyond ±15:59."""

    def filter(self, queryset, value):
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError as exc:
                param = next(n for n, f in self.parent.filters.items() if f is self)
                raise ValidationError({param: "Date-time out of range."}) from exc
        return super().filter(queryset, value)


class IdFilter(django_filters.NumberFilter):
    """A whole-number id within the database's range: a larger one is a 400, not a crash."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class ArticleFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__slug", help_text="Project slug.")
    publisher = django_filters.CharFilter(field_name="publisher", lookup_expr="iexact")
    mine = django_filters.BooleanFilter(
        method="filter_mine", help_text="Only articles I have annotated."
    )
    # Last, so that it orders what the other filters leave.
    search = django_filters.CharFilter(
        method="filter_search",
        help_text=(
            "Words in title, publisher or body, each result with a `snippet`; best matches "
            "first when at most 1,000 match, else newest first. Words match as prefixes; "
            'web-search syntax: "a phrase", or, -word.'
        ),
    )

    class Meta:
        model = Article
        fields = ["project", "publisher", "mine", "search"]

    def filter_search(self, queryset, name, value):
        found = queryset.search(value).with_snippets(value)
        return searching.by_rank(found, "-created_at", "-id")

    def filter_mine(self, queryset, name, value):
        return queryset.annotated_by(self.request.user) if value else queryset


class AnnotationFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__slug", help_text="Project slug.")
    article = IdFilter(field_name="article_id")
    label = django_filters.MultipleChoiceFilter(choices=Label.choices)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    author = django_filters.CharFilter(field_name="author__username", help_text="Username.")
    updated_since = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text=(
            "Words in quote, note, a cited evidence title or the article's title; best "
            "matches first when at most 1,000 match, else newest change first. Words match as "
            'prefixes; web-search syntax: "a phrase", or, -word.'
        ),
    )

    class Meta:
        model = Annotation
        fields = ["project", "article", "label", "status", "author", "updated_since", "search"]

    def filter_search(self, queryset, name, value):
        return searching.by_rank(queryset.search(value), "-updated_at", "-id")


class EvidenceFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__slug", help_text="Project slug.")
    search = django_filters.CharFilter(method="filter_search", help_text="Words in URL or title.")
    url = django_filters.CharFilter(field_name="url")

    class Meta:
        model = Evidence
        fields = ["project", "search", "url"]

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(url__icontains=word) | Q(title__icontains=word))
        return queryset


class ClaimReviewFilter(django_filters.FilterSet):
    """The ClaimReview feeds' filter: what changed since a last pull."""

    updated_since = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )

    class Meta:
        model = Verdict
        fields = ["updated_since"]


class CorrectionFilter(django_filters.FilterSet):
    """Corrections of one verdict, or in one state (the pending ones, say)."""

    verdict = django_filters.NumberFilter(help_text="A verdict's id: its corrections.")
    status = django_filters.ChoiceFilter(choices=CorrectionStatus.choices)

    class Meta:
        model = VerdictCorrection
        fields = ["verdict", "status"]
