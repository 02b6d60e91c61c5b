"""The OpenAPI schema tells the truth: a generated-request run finds no 5xx and no response that
breaks the schema, authenticated as an annotator against the real database."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import AnnotationFactory, ArticleFactory, EvidenceFactory
from workbench.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def in_test_transaction():
    """Keep the WSGI app on the test's connection, as Django's own test client does.

    Calling the app directly fires request_started/finished, whose close_old_connections would
    hand the connection back to the pool in the middle of the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(annotator, other_annotator, in_test_transaction):
    # Some objects for generated ids to hit: the caller's own, another's, shared evidence.
    article = ArticleFactory(body="Short body 🚀 with a claim, a denial and an attribution.")
    for n in range(3):
        AnnotationFactory(article=article, author=annotator, start=n)
        AnnotationFactory(article=article, author=other_annotator, start=n, status="submitted")
    EvidenceFactory()
    return Token.objects.create(user=annotator).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_within_its_schema(case, token, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": None},
    }
    # Schemathesis calls the WSGI app directly and reads a body as it comes: a generated
    # request that accepts gzip would get a compressed body it cannot read (the compression
    # has its own tests).
    headers = {"Authorization": f"Token {token}", "Accept-Encoding": "identity"}
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_schema_documents_every_error_status_the_api_gives(client):
    document = client.get("/api/schema/?format=json").json()
    patch = document["paths"]["/api/v1/annotations/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "412", "429"} <= set(patch)
    listing = document["paths"]["/api/v1/annotations/"]["get"]["responses"]
    assert {"200", "400", "401", "403"} <= set(listing)
    label = document["components"]["schemas"]["LabelEnum"]
    assert label["enum"] == ["claim", "denial", "attribution"]


def test_interactive_docs_use_no_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()
