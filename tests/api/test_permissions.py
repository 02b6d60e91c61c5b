"""Who may do what through the API: every endpoint and action, for every kind of caller.

Callers: anonymous, the annotation's author, another annotator, a reviewer, an admin. Targets:
the author's draft (private to them) and the author's submitted annotation (visible to all).
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.choices import Status
from annotations.models import Assignment, Project
from annotations.projects import assigning
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    UserFactory,
    annotator,
    reviewer,
)

pytestmark = pytest.mark.django_db

ANON, AUTHOR, OTHER, REVIEWER, ADMIN = "anonymous", "author", "other", "reviewer", "admin"
NOROLE = "norole"  # logged in, in no group: refused everywhere until given a role
CALLERS = [ANON, AUTHOR, OTHER, REVIEWER, ADMIN, NOROLE]


def expect(anonymous, author, other, reviewer_, admin):
    codes = [anonymous, author, other, reviewer_, admin, 403]
    return dict(zip(CALLERS, codes, strict=True))


# (name, method, path template, body, expected status per caller)
MATRIX = [
    ("list articles", "get", "/api/v1/articles/", None, expect(401, 200, 200, 200, 200)),
    ("read article", "get", "/api/v1/articles/{article}/", None, expect(401, 200, 200, 200, 200)),
    (
        "read an article's annotations",
        "get",
        "/api/v1/articles/{article}/annotations/",
        None,
        expect(401, 200, 200, 200, 200),
    ),
    (
        "add article",
        "post",
        "/api/v1/articles/",
        {"title": "T", "body": "B."},
        expect(401, 201, 201, 201, 201),
    ),
    ("list annotations", "get", "/api/v1/annotations/", None, expect(401, 200, 200, 200, 200)),
    ("read draft", "get", "/api/v1/annotations/{draft}/", None, expect(401, 200, 404, 404, 200)),
    (
        "read submitted",
        "get",
        "/api/v1/annotations/{submitted}/",
        None,
        expect(401, 200, 200, 200, 200),
    ),
    (
        "create annotation",
        "post",
        "/api/v1/annotations/",
        {"article": "{article}", "label": "claim", "quote": "bridge"},
        expect(401, 201, 201, 403, 201),
    ),
    (
        "edit draft",
        "patch",
        "/api/v1/annotations/{draft}/",
        {"note": "n"},
        expect(401, 200, 404, 404, 200),
    ),
    (
        "edit submitted",
        "patch",
        "/api/v1/annotations/{submitted}/",
        {"note": "n"},
        expect(401, 403, 403, 403, 200),
    ),
    (
        "delete draft",
        "delete",
        "/api/v1/annotations/{draft}/",
        None,
        expect(401, 204, 404, 404, 204),
    ),
    (
        "delete submitted",
        "delete",
        "/api/v1/annotations/{submitted}/",
        None,
        expect(401, 403, 403, 403, 204),
    ),
    (
        "submit draft",
        "post",
        "/api/v1/annotations/{draft}/submit/",
        {},
        expect(401, 200, 404, 404, 403),
    ),
    (
        "withdraw submitted",
        "post",
        "/api/v1/annotations/{submitted}/withdraw/",
        {},
        expect(401, 200, 403, 403, 403),
    ),
    (
        "approve submitted",
        "post",
        "/api/v1/annotations/{submitted}/approve/",
        {},
        expect(401, 403, 403, 200, 200),
    ),
    (
        "reject submitted",
        "post",
        "/api/v1/annotations/{submitted}/reject/",
        {"note": "No."},
        expect(401, 403, 403, 200, 200),
    ),
    (
        "request changes",
        "post",
        "/api/v1/annotations/{submitted}/request-changes/",
        {"note": "Fix."},
        expect(401, 403, 403, 200, 200),
    ),
    (
        "reopen approved",
        "post",
        "/api/v1/annotations/{approved}/reopen/",
        {"note": "Corrected."},
        expect(401, 403, 403, 200, 200),
    ),
    (
        "attach evidence to draft",
        "post",
        "/api/v1/annotations/{draft}/evidence/",
        {"evidence": "{spare_evidence}", "stance": "supports"},
        expect(401, 201, 404, 404, 201),
    ),
    (
        "attach evidence to submitted",
        "post",
        "/api/v1/annotations/{submitted}/evidence/",
        {"evidence": "{evidence}", "stance": "supports"},
        expect(401, 403, 403, 403, 201),
    ),
    (
        "detach evidence",
        "delete",
        "/api/v1/annotations/{draft}/evidence/{evidence}/",
        None,
        expect(401, 200, 404, 404, 200),
    ),
    (
        "link from draft",
        "post",
        "/api/v1/annotations/{attribution}/links/",
        {"target": "{submitted}"},
        expect(401, 201, 404, 404, 201),
    ),
    (
        "unlink",
        "delete",
        "/api/v1/annotations/{attribution}/links/{draft}/",
        None,
        expect(401, 200, 404, 404, 200),
    ),
    ("list evidence", "get", "/api/v1/evidence/", None, expect(401, 200, 200, 200, 200)),
    ("read evidence", "get", "/api/v1/evidence/{evidence}/", None, expect(401, 200, 200, 200, 200)),
    (
        "add evidence",
        "post",
        "/api/v1/evidence/",
        {"url": "https://example.org/x", "title": "X"},
        expect(401, 201, 201, 403, 201),
    ),
]


@pytest.fixture
def world():
    author = annotator(username="author")
    article = ArticleFactory(body="The bridge opens in May, said the mayor. Officials denied it.")
    evidence = EvidenceFactory()
    spare_evidence = EvidenceFactory()
    draft = AnnotationFactory(article=article, author=author, start=0, length=10)
    draft.evidence_links.create(evidence=evidence, stance="context")
    attribution = AnnotationFactory(
        article=article, author=author, label="attribution", start=25, length=14
    )
    attribution.outgoing_links.create(target=draft, kind="attributes")
    submitted = AnnotationFactory(
        article=article, author=author, start=4, length=6, status="submitted"
    )
    approved = AnnotationFactory(
        article=article, author=author, start=12, length=5, status="approved"
    )
    users = {
        NOROLE: UserFactory(username="nobody"),
        AUTHOR: author,
        OTHER: annotator(username="other"),
        REVIEWER: reviewer(username="reviewer"),
        ADMIN: annotator(username="admin", is_staff=True, is_superuser=True),
    }
    ids = {
        "article": article.pk,
        "draft": draft.pk,
        "submitted": submitted.pk,
        "approved": approved.pk,
        "attribution": attribution.pk,
        "evidence": evidence.pk,
        "spare_evidence": spare_evidence.pk,
    }
    return users, ids


def fill(template, ids):
    if isinstance(template, str):
        value = template.format(**ids)
        return int(value) if value.isdigit() and template.startswith("{") else value
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    return template


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"), MATRIX, ids=[row[0] for row in MATRIX]
)
def test_permission_matrix(world, caller, name, method, path, body, expected):
    users, ids = world
    client = APIClient()
    if caller != ANON:
        client.force_authenticate(users[caller])
    kwargs = {"format": "json"} if body is not None else {}
    args = (fill(body, ids),) if body is not None else ()
    response = getattr(client, method)(fill(path, ids), *args, **kwargs)
    assert response.status_code == expected[caller], (name, caller, response.content[:300])


def test_anonymous_gets_401_with_a_token_challenge():
    response = APIClient().get("/api/v1/annotations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_authentication_works_for_scripts(annotator):
    token = Token.objects.create(user=annotator)
    response = APIClient().get("/api/v1/articles/", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200


def test_session_writes_need_the_csrf_token(annotator, article):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(annotator)
    data = {"article": article.pk, "label": "claim", "quote": "bridge"}
    refused = client.post("/api/v1/annotations/", data, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    client.get("/admin/login/")  # any page that sets the cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/annotations/", data, format="json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201


def test_approved_annotations_are_frozen_for_everyone_admins_included(
    annotator, admin_user, article
):
    approved = AnnotationFactory(article=article, author=annotator, status="approved")
    for user in (annotator, admin_user):
        client = APIClient()
        client.force_authenticate(user)
        url = f"/api/v1/annotations/{approved.pk}/"
        refused = client.patch(url, {"note": "x"}, format="json")
        assert refused.status_code == 403
        assert "reopen" in refused.json()["detail"]
        link = client.post(f"{url}links/", {"target": approved.pk}, format="json")
        assert link.status_code in (400, 403)
    approved.refresh_from_db()
    assert approved.note == "" and approved.version == 1


def test_a_reviewer_reopens_approved_work_and_it_goes_through_review_again(
    annotator, reviewer, article
):
    approved = AnnotationFactory(article=article, author=annotator, status="approved")
    checker = APIClient()
    checker.force_authenticate(reviewer)
    url = f"/api/v1/annotations/{approved.pk}/"
    assert checker.post(f"{url}reopen/", {}, format="json").status_code == 400  # a note, please
    reopened = checker.post(f"{url}reopen/", {"note": "The name changed."}, format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "changes_requested"
    author = APIClient()
    author.force_authenticate(annotator)
    assert author.patch(url, {"note": "Corrected."}, format="json").status_code == 200
    assert author.post(f"{url}submit/", {}, format="json").json()["status"] == "submitted"


def test_writes_are_throttled_per_user(annotator, article, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": "3/minute"},
    }
    from django.core.cache import cache

    cache.clear()
    client = APIClient()
    client.force_authenticate(annotator)
    codes = [
        client.post(
            "/api/v1/annotations/",
            {
                "article": article.pk,
                "label": "claim",
                "start": n,
                "end": n + 1,
                "quote": article.body[n],
            },
            format="json",
        ).status_code
        for n in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    assert client.get("/api/v1/annotations/").status_code == 200  # reads are not throttled
    cache.clear()


def test_staff_without_a_role_add_no_articles():
    """Authority over project data comes from project roles, not from the staff flag."""
    client = APIClient()
    client.force_authenticate(UserFactory(username="desk", is_staff=True))
    response = client.post("/api/v1/articles/", {"title": "T", "body": "B."}, format="json")
    assert response.status_code == 403


def test_the_evidence_library_is_blind_until_the_readers_own_work_is_done():
    """In a blind project an annotator sees their own sources, those cited by annotations
    they may see, and all of the project's once every assignment of theirs there is done;
    reviewers and managers see all of it."""
    study = Project.objects.create(name="Study", slug="study", blind=True, annotators_per_article=2)
    first, second = annotator(project=study), annotator(project=study)
    checker = reviewer(project=study)
    story, later = ArticleFactory(project=study), ArticleFactory(project=study)
    claim = AnnotationFactory(article=story, author=first, status=Status.SUBMITTED)
    cited = EvidenceFactory(project=study, added_by=first, title="Budget ledger 2024")
    claim.evidence_links.create(evidence=cited, stance="supports")
    uncited = EvidenceFactory(project=study, added_by=first, title="Budget memo")
    own = EvidenceFactory(project=study, added_by=second, title="Budget hearing")
    on_story = Assignment.objects.create(article=story, annotator=second)
    on_later = Assignment.objects.create(article=later, annotator=second)

    def library(user, **params):
        response = APIClient()
        response.force_authenticate(user)
        answer = response.get("/api/v1/evidence/", params)
        assert answer.status_code == 200
        rows = answer.json()["results"]
        return {row["id"] for row in rows}

    for params in ({}, {"search": "budget"}):
        assert library(second, **params) == {own.pk}
        assert library(checker, **params) == {cited.pk, uncited.pk, own.pk}
    detail = APIClient()
    detail.force_authenticate(second)
    assert detail.get(f"/api/v1/evidence/{cited.pk}/").status_code == 404
    assigning.mark_done(user=second, assignment=on_story)
    assert library(second) == {own.pk, cited.pk}  # cited by work they may now see
    assigning.mark_done(user=second, assignment=on_later)
    assert library(second, search="budget") == {own.pk, cited.pk, uncited.pk}
