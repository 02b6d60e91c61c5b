"""Every URL of the project, for every kind of caller, answers what we expect.

The test walks the URL configuration itself: a URL added without an entry here fails it, so no
page, API endpoint, admin screen or export slips out unreviewed. Requests are GETs; the writes
each endpoint takes are covered by tests/api/test_permissions.py.
"""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token

from annotations.choices import Status
from annotations.ingest import ingesting
from annotations.models import (
    Article,
    Assignment,
    Feed,
    Fetch,
    Project,
    Verdict,
    VerdictCorrection,
)
from annotations.verdicts import verdicting
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    UserFactory,
    annotator,
    exporter,
    reviewer,
)

pytestmark = pytest.mark.django_db

# "norole": logged in, but in no project and not staff: reads nothing until given a role.
# "outsider": an annotator of another project: sees nothing of this one (its ids are 404).
ROLES = ["anonymous", "annotator", "other", "reviewer", "exporter", "admin", "norole", "outsider"]


def expect(*codes: int, norole: int | None = None, outsider: int | None = None) -> dict[str, int]:
    """Codes per role in ROLES order; the last two answer as an annotator unless told."""
    codes_by_role = dict(zip(ROLES[:-2], codes, strict=True))
    annotator_code = codes_by_role["annotator"]
    return codes_by_role | {
        "norole": annotator_code if norole is None else norole,
        "outsider": annotator_code if outsider is None else outsider,
    }


EVERYONE_OK = expect(200, 200, 200, 200, 200, 200)
LOGGED_IN = expect(302, 200, 200, 200, 200, 200, norole=403)  # anonymous: to the log-in page
API = expect(401, 200, 200, 200, 200, 200, norole=403)
API_GET_NOT_ALLOWED = expect(401, 405, 405, 405, 405, 405, norole=403)  # POST/DELETE-only
STAFF_ONLY = expect(302, 302, 302, 200, 302, 200)  # admin: non-staff go to the admin log-in
NOT_ALLOWED = expect(405, 405, 405, 405, 405, 405)

# Named routes outside the model admins.
EXPECTED: dict[str, dict[str, int]] = {
    "article-list": LOGGED_IN,
    "article-detail": LOGGED_IN | {"outsider": 404},
    "home": expect(302, 302, 302, 302, 302, 302, norole=403),  # to My work or the articles
    "my-work": LOGGED_IN,
    "export": expect(302, 403, 403, 200, 200, 200, norole=403),  # exporters, reviewers
    # The annotator's assignment: only they mark it done.
    "mark-done": expect(302, 200, 404, 404, 404, 404, norole=403, outsider=404),
    "project-guidelines": LOGGED_IN | {"outsider": 404},
    "article-revisions": LOGGED_IN | {"outsider": 404},
    # Adjudication compares annotators: the project's reviewers, exporters and managers.
    "article-adjudicate": expect(302, 403, 403, 200, 200, 200, norole=403, outsider=404),
    "api-adjudication": expect(401, 403, 403, 200, 200, 200, norole=403, outsider=404),
    **{
        f"api-adjudication-{step}": API_GET_NOT_ALLOWED
        for step in ("accept", "add", "reject", "reopen", "finish")
    },
    "api-adjudicated-annotation": API_GET_NOT_ALLOWED,
    # Adding from the web: whoever may add articles somewhere (not exporters).
    "article-from-url": expect(302, 200, 200, 200, 403, 200, norole=403),
    "fetch-detail": LOGGED_IN | {"outsider": 404},
    "api-fetch-list": API,
    "api-fetch-detail": API | {"outsider": 404},
    "api-feed-list": API,
    "api-feed-detail": API_GET_NOT_ALLOWED,  # DELETE only
    "api-article-refetch": API_GET_NOT_ALLOWED,
    # Verdicts: fact-checkers draft (not exporters); every member reads them.
    "claim-verdict": expect(302, 200, 200, 200, 403, 200, norole=403, outsider=404),
    "verdict-detail": LOGGED_IN | {"outsider": 404},
    "api-verdict-list": API,
    "api-verdict-detail": API | {"outsider": 404},
    # The world's verdict is drafted: no ClaimReview until it is published.
    "api-verdict-claim-review": expect(401, 409, 409, 409, 409, 409, norole=403, outsider=404),
    **{
        f"api-verdict-{step}": API_GET_NOT_ALLOWED
        for step in ("submit", "withdraw", "approve", "send-back", "publish", "retract")
    },
    "api-verdict-correction-list": API,
    "api-verdict-correction-detail": API | {"outsider": 404},
    **{
        f"api-verdict-correction-{step}": API_GET_NOT_ALLOWED
        for step in ("approve", "reject", "withdraw")
    },
    "api-export-claimreviews": expect(401, 403, 403, 200, 200, 200),
    "claimreview-feed": EVERYONE_OK,  # published fact-checks are public
    "article-correct": expect(302, 405, 405, 405, 405, 405, norole=403),  # a POST
    "login": EVERYONE_OK,
    "logout": NOT_ALLOWED,  # log-out is a POST
    "api-schema": EVERYONE_OK,  # documentation, no data
    "javascript-catalog": EVERYONE_OK,  # the interface's words, no data
    "set_language": expect(302, 302, 302, 302, 302, 302),  # a GET changes nothing: back
    "api-docs": EVERYONE_OK,
    "api-export-annotations": expect(401, 403, 403, 200, 200, 200),
    "api-article-list": API,
    "api-article-detail": API | {"outsider": 404},
    "api-article-annotations": API | {"outsider": 404},
    "api-article-correct": expect(401, 405, 405, 405, 405, 405, norole=403),  # a PUT
    "api-article-revisions": API | {"outsider": 404},
    "api-article-revision-text": API | {"outsider": 404},
    "api-article-diff": API | {"outsider": 404},
    "api-article-submit-drafts": API_GET_NOT_ALLOWED,
    "api-project-list": API,
    "api-project-detail": API | {"outsider": 404},
    "api-project-members": API | {"outsider": 404},
    "api-project-progress": API | {"outsider": 404},
    # Agreement: the project's reviewers, exporters and managers, not its annotators.
    "api-project-agreement": expect(401, 403, 403, 200, 200, 200, norole=403, outsider=404),
    "api-project-remove-member": API_GET_NOT_ALLOWED,
    "api-project-auto-assign": API_GET_NOT_ALLOWED,
    "api-assignment-list": API,
    # The annotator's own assignment: annotators see theirs, reviewers and exporters all.
    "api-assignment-detail": expect(401, 200, 404, 200, 200, 200, norole=403, outsider=404),
    "api-assignment-done": API_GET_NOT_ALLOWED,
    "api-annotation-list": API,
    # The annotator's draft: private to its author (and admins).
    "api-annotation-detail": expect(401, 200, 404, 404, 404, 200, norole=403, outsider=404),
    "api-annotation-add-link": API_GET_NOT_ALLOWED,
    "api-annotation-approve": API_GET_NOT_ALLOWED,
    "api-annotation-attach-evidence": API_GET_NOT_ALLOWED,
    "api-annotation-detach-evidence": API_GET_NOT_ALLOWED,
    "api-annotation-reject": API_GET_NOT_ALLOWED,
    "api-annotation-reopen": API_GET_NOT_ALLOWED,
    "api-annotation-confirm-anchor": API_GET_NOT_ALLOWED,
    "api-annotation-revise": API_GET_NOT_ALLOWED,
    "api-annotation-remove-link": API_GET_NOT_ALLOWED,
    "api-annotation-request-changes": API_GET_NOT_ALLOWED,
    "api-annotation-submit": API_GET_NOT_ALLOWED,
    "api-annotation-withdraw": API_GET_NOT_ALLOWED,
    "api-evidence-list": API,
    "api-evidence-detail": API | {"outsider": 404},
    "admin:index": STAFF_ONLY,
    "admin:login": expect(200, 200, 200, 302, 200, 302),  # staff already in: to the index
    "admin:logout": expect(302, 302, 302, 405, 302, 405),  # a POST, for staff
    "admin:password_change": STAFF_ONLY,
    "admin:password_change_done": STAFF_ONLY,
    "admin:autocomplete": expect(302, 302, 302, 403, 302, 403),  # needs its query parameters
    "admin:jsi18n": STAFF_ONLY,
    "admin:view_on_site": STAFF_ONLY | {"reviewer": 302, "admin": 302},  # to the editor page
    "admin:app_list": STAFF_ONLY,  # the annotations app
    "admin:<catch-all>": expect(302, 302, 302, 404, 302, 404),
}

# Model admins: what a reviewer may do on each (admins may do everything; non-staff nothing).
# A model registered in admin without a row here fails the test.
REVIEWER_ADMIN = {
    "annotations_reviewqueue": {"view"},
    "annotations_annotation": {"view"},
    "annotations_article": {"view", "add"},
    "annotations_evidence": {"view"},
    "annotations_project": {"view"},
    "annotations_assignment": {"view"},
    "annotations_fetch": {"view"},
    "annotations_verdict": {"view"},
    "annotations_feed": {"view"},
    "django_tasks_database_dbtaskresult": set(),  # background jobs: superusers
    "auth_group": set(),
    "auth_user": set(),
    "authtoken_tokenproxy": set(),
    "axes_accessattempt": set(),
    "axes_accesslog": set(),
    "axes_accessfailurelog": set(),
}
# What nobody, not even an admin, does through these screens.
NOBODY = {
    ("annotations_reviewqueue", "add"),
    ("annotations_reviewqueue", "delete"),
    ("annotations_annotation", "add"),
    ("annotations_fetch", "add"),
    ("annotations_verdict", "add"),  # drafted on an approved claim, from its page
    ("annotations_verdict", "delete"),  # a verdict is retracted, never deleted
    ("django_tasks_database_dbtaskresult", "add"),
    ("django_tasks_database_dbtaskresult", "delete"),
    ("axes_accessattempt", "add"),
    ("axes_accesslog", "add"),
    ("axes_accessfailurelog", "add"),
}
ACTIONS = {
    "changelist": "view",
    "change": "view",
    "history": "view",
    "simple_history": "view",
    "add": "add",
    "delete": "delete",
    "password_change": "change",
    "redirect": "view",
    "progress": "view",
    "agreement": "view",
    "step": "view",
}


def admin_expectation(model: str, action: str) -> dict[str, int]:
    need = ACTIONS[action]
    if action == "step":  # a POST: staff who may see the row are told so
        return STAFF_ONLY | {"reviewer": 405, "admin": 405}
    if action == "redirect":  # <id>/ redirects to <id>/change/ for whoever is staff
        return STAFF_ONLY | {"reviewer": 302, "admin": 302}
    reviewer_code = 200 if need in REVIEWER_ADMIN[model] else 403
    admin_code = 403 if (model, need) in NOBODY else 200
    return STAFF_ONLY | {"reviewer": reviewer_code, "admin": admin_code}


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


MODEL_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/(?P<rest>.*)$")


def classify(route: str, name: str | None) -> tuple[str, str | None, str | None]:
    """Return (key, admin model, admin action) for a route."""
    if route == "admin/(?P<url>.*)$":
        return "admin:<catch-all>", None, None
    match = MODEL_ROUTE.match(route)
    model = f"{match['app']}_{match['model']}" if match else None
    if name and model and name.startswith(f"admin:{model}_"):
        return name, model, name.removeprefix(f"admin:{model}_")
    if name is None and match and match["rest"] == "<path:object_id>/":
        return (
            f"admin:{match['app']}_{match['model']}_redirect",
            f"{match['app']}_{match['model']}",
            "redirect",
        )
    return name or route, None, None


@pytest.fixture
def world():
    users = {
        "annotator": annotator(username="annotator"),
        "other": annotator(username="other"),
        "reviewer": reviewer(username="reviewer"),
        "exporter": exporter(username="exporter"),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
        "norole": UserFactory(username="norole"),
        "outsider": annotator(
            username="outsider", project=Project.objects.create(name="Elsewhere", slug="elsewhere")
        ),
    }
    article = ArticleFactory()
    draft = AnnotationFactory(article=article, author=users["annotator"])
    submitted = AnnotationFactory(
        article=article, author=users["other"], status=Status.SUBMITTED, start=10
    )
    evidence = EvidenceFactory()
    assignment = Assignment.objects.create(article=article, annotator=users["annotator"])
    project = article.project
    project.save()  # a history row to link to (the upgrade made this project without one)
    Token.objects.create(user=users["other"])
    now = timezone.now()
    where = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "other"}
    attempt = AccessAttempt.objects.create(**where, failures_since_start=1, attempt_time=now)
    access_log = AccessLog.objects.create(**where, attempt_time=now)
    failure_log = AccessFailureLog.objects.create(**where, attempt_time=now)
    fetch = Fetch.objects.create(project=project, url="https://example.org/a", reason="url")
    feed = Feed.objects.create(project=project, url="https://example.org/feed.xml")
    task = ingesting.poll_feed_job.enqueue(feed.pk)
    verdict = Verdict.objects.create(
        project=project,
        claim=submitted,
        rating=verdicting.ratings(project)[0],
        summary="A claim",
        claimant="Someone",
        appearance_url="https://example.org/a",
        author=users["other"],
    )
    correction = VerdictCorrection.objects.create(
        verdict=verdict,
        changes={"summary": {"from": "A claim", "to": "The claim"}},
        note="A typo.",
        proposed_by=users["other"],
    )
    ids = {
        "verdict": verdict.pk,
        "correction": correction.pk,
        "history:annotations_verdict": verdict.history.first().history_id,
        "fetch": fetch.pk,
        "feed": feed.pk,
        "task": task.id,
        "article": article.pk,
        "draft": draft.pk,
        "submitted": submitted.pk,
        "evidence": evidence.pk,
        "history:annotations_annotation": submitted.history.first().history_id,
        "history:annotations_reviewqueue": submitted.history.first().history_id,
        "history:annotations_article": article.history.first().history_id,
        "history:annotations_evidence": evidence.history.first().history_id,
        "history:annotations_project": project.history.first().history_id,
        "history:annotations_assignment": assignment.history.first().history_id,
        "project": article.project.pk,
        "slug": article.project.slug,
        "assignment": assignment.pk,
        "user": users["other"].pk,
        "group": Group.objects.create(name="Desk editors").pk,
        "attempt": attempt.pk,
        "access_log": access_log.pk,
        "failure_log": failure_log.pk,
    }
    return users, ids


OBJECT_FOR_MODEL = {
    "annotations_reviewqueue": "submitted",
    "annotations_annotation": "submitted",
    "annotations_article": "article",
    "annotations_evidence": "evidence",
    "annotations_project": "project",
    "annotations_assignment": "assignment",
    "annotations_fetch": "fetch",
    "annotations_verdict": "verdict",
    "annotations_feed": "feed",
    "django_tasks_database_dbtaskresult": "task",
    "auth_group": "group",
    "auth_user": "user",
    "authtoken_tokenproxy": "user",  # DRF's TokenProxy is keyed by its user in admin
    "axes_accessattempt": "attempt",
    "axes_accesslog": "access_log",
    "axes_accessfailurelog": "failure_log",
}


def url_for(route: str, key: str, model: str | None, ids: dict) -> str:
    """Turn a route into a concrete URL with ids of objects the world fixture made."""
    if key == "admin:<catch-all>":
        return "/admin/no-such-page/"
    if key == "admin:app_list":
        return "/admin/annotations/"
    if key == "admin:view_on_site":
        return f"/admin/r/{ContentType.objects.get_for_model(Article).pk}/{ids['article']}/"
    if key == "admin:autocomplete":
        return "/admin/autocomplete/"
    if model:
        target = ids[OBJECT_FOR_MODEL.get(model, "submitted")]
    elif key == "claim-verdict":
        target = ids["submitted"]
    elif "verdict-correction" in key:
        target = ids["correction"]
    elif "verdict" in key:
        target = ids["verdict"]
    elif "fetch-" in key:
        target = ids["fetch"]
    elif "feed-" in key:
        target = ids["feed"]
    elif "assignment" in key or key == "mark-done":
        target = ids["assignment"]
    elif "article" in key or "adjudicat" in key:
        target = ids["article"]
    elif "evidence-detail" in key:
        target = ids["evidence"]
    else:
        target = ids["draft"]  # API annotation routes: the annotator's private draft
    url = route.replace(
        "^([^/]+)/history/([^/]+)/$", f"{target}/history/{ids.get(f'history:{model}')}/"
    )
    url = url.replace("^", "").replace("$", "")
    url = re.sub(r"\(\?P<evidence_id>[^)]+\)", str(ids["evidence"]), url)
    url = re.sub(r"\(\?P<target_id>[^)]+\)", str(ids["draft"]), url)
    url = re.sub(r"\(\?P<membership_id>[^)]+\)", "1", url)
    url = url.replace("<int:annotation_id>", str(ids["draft"]))
    url = re.sub(r"\(\?P<number>[^)]+\)", "1", url)
    url = re.sub(r"\(\?P<slug>[^)]+\)", ids["slug"], url)
    url = url.replace("<slug:slug>", ids["slug"])
    url = re.sub(r"\(\?P<pk>[^)]+\)", str(target), url)
    url = re.sub(r"<(?:int:|path:|str:)?(?:pk|object_id|id)>", str(target), url)
    return "/" + url


def all_routes():
    return list(walk(get_resolver().url_patterns))


def test_every_url_has_an_expectation():
    missing = []
    for route, name in all_routes():
        key, model, action = classify(route, name)
        if model is not None:
            if model not in REVIEWER_ADMIN or action not in ACTIONS:
                missing.append(f"{key} ({route})")
        elif key not in EXPECTED:
            missing.append(f"{key} ({route})")
    assert missing == [], "URLs without an entry in this test: " + ", ".join(missing)


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_expected(world, role, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    users, ids = world
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    wrong = []
    for route, name in all_routes():
        key, model, action = classify(route, name)
        expected = admin_expectation(model, action) if model else EXPECTED[key]
        url = url_for(route, key, model, ids)
        status = client.get(url).status_code
        if status != expected[role]:
            wrong.append(f"{url} ({key}): got {status}, expected {expected[role]}")
    assert wrong == [], f"as {role}:\n" + "\n".join(wrong)
