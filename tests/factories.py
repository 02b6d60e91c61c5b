"""factory_boy factories: data built through the same rules as the product's."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from annotations.choices import Label, Role
from annotations.models import Annotation, Article, Evidence, Membership, Project
from annotations.spans import anchoring

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
    def roles(self, create, extracted, **kwargs):
        """roles=[...] gives the user those roles in `project` (the default project)."""
        if create and extracted:
            project = kwargs.get("project") or default_project()
            for role in extracted:
                Membership.objects.get_or_create(project=project, user=self, role=role)


def default_project() -> Project:
    """The project every factory uses unless told otherwise (as after the upgrade)."""
    return Project.objects.get_or_create(slug="newsroom", defaults={"name": "Newsroom"})[0]


def annotator(project=None, **kwargs):
    return UserFactory(roles=[Role.ANNOTATOR], roles__project=project, **kwargs)


def exporter(project=None, **kwargs):
    return UserFactory(roles=[Role.EXPORTER], roles__project=project, **kwargs)


def reviewer(project=None, **kwargs):
    return UserFactory(roles=[Role.REVIEWER], roles__project=project, is_staff=True, **kwargs)


def manager(project=None, **kwargs):
    return UserFactory(roles=[Role.MANAGER], roles__project=project, is_staff=True, **kwargs)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    project = factory.LazyFunction(default_project)
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
    project = factory.LazyAttribute(lambda a: a.article.project)
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

    project = factory.LazyFunction(default_project)
    url = factory.Sequence(lambda n: f"https://example.org/source/{n}")
    title = factory.Sequence(lambda n: f"Source {n}")
    publisher = "Statistics Office"
