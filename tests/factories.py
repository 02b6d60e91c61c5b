"""factory_boy factories: data built through the same rules as the product's."""

from __future__ import annotations

import importlib

import factory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotations import anchoring
from annotations.choices import Label
from annotations.models import Annotation, Article, Evidence
from annotations.permissions import ANNOTATORS, EXPORTERS, REVIEWERS

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*_groups(extracted))


def _groups(names):
    """The named groups, made by the data migration again if a transactional test flushed them."""
    groups = list(Group.objects.filter(name__in=names))
    if len(groups) < len(names):
        importlib.import_module("annotations.migrations.0002_groups").create_groups(apps, None)
        importlib.import_module("annotations.migrations.0005_exporters").grant(apps, None)
        groups = list(Group.objects.filter(name__in=names))
    return groups


def annotator(**kwargs):
    return UserFactory(groups=[ANNOTATORS], **kwargs)


def exporter(**kwargs):
    return UserFactory(groups=[EXPORTERS], **kwargs)


def reviewer(**kwargs):
    return UserFactory(groups=[REVIEWERS], is_staff=True, **kwargs)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    publisher = "The Test Gazette"
    byline = "Zoë Ångström"
    body = (
        "The mayor said the bridge would open in May. Officials denied it. "
        "According to the council, the budget grew by 12%."
    )


class AnnotationFactory(factory.django.DjangoModelFactory):
    """An annotation on the first `length` characters after `start`, quote taken from the body."""

    class Meta:
        model = Annotation
        exclude = ("length",)

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory)
    label = Label.CLAIM
    start = 4
    length = 5
    end = factory.LazyAttribute(lambda a: a.start + a.length)
    quote = factory.LazyAttribute(lambda a: a.article.body[a.start : a.end])
    prefix = factory.LazyAttribute(lambda a: anchoring.context(a.article.body, a.start, a.end)[0])
    suffix = factory.LazyAttribute(lambda a: anchoring.context(a.article.body, a.start, a.end)[1])


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    url = factory.Sequence(lambda n: f"https://example.org/source/{n}")
    title = factory.Sequence(lambda n: f"Source {n}")
    publisher = "Statistics Office"
