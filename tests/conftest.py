from __future__ import annotations

import socket
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from tests import factories

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    no_redis = pytest.mark.skip(reason="needs Redis on 127.0.0.1:6379")
    redis_answers = None
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(skip)
        if "redis" in item.keywords:
            redis_answers = _redis_answers() if redis_answers is None else redis_answers
            if not redis_answers:
                item.add_marker(no_redis)


@pytest.fixture(autouse=True)
def in_english():
    """Every test starts in English: a request in another language leaves it active in the
    thread afterwards (LocaleMiddleware sets it per request and never resets it)."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; real hashing would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the shared corpus and conformance data are not here")
    return SHARED


@pytest.fixture
def annotator(db):
    return factories.annotator(username="annotator")


@pytest.fixture
def other_annotator(db):
    return factories.annotator(username="other")


@pytest.fixture
def reviewer(db):
    return factories.reviewer(username="reviewer")


@pytest.fixture
def other_reviewer(db):
    return factories.reviewer(username="reviewer2")


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def article(db):
    return factories.ArticleFactory()


@pytest.fixture
def draft(annotator, article):
    return factories.AnnotationFactory(article=article, author=annotator)


@pytest.fixture
def client_for():
    """Return an API client logged in as the given user (anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
