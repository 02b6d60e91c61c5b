"""Projects: members see their own projects only, blind mode, assignments, progress."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from rest_framework.test import APIClient

from annotations.choices import AssignmentState, Role, Status
from annotations.models import Annotation, Assignment, Membership, Project
from annotations.projects import assigning
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    UserFactory,
    annotator,
    exporter,
    manager,
    reviewer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_desks(client_for):
    """Desk A and desk B, each with an annotator, a reviewer and some work in review."""
    a = Project.objects.create(name="Desk A", slug="desk-a")
    b = Project.objects.create(name="Desk B", slug="desk-b")
    people = {
        "a_writer": annotator(username="a_writer", project=a),
        "a_checker": reviewer(username="a_checker", project=a),
        "b_writer": annotator(username="b_writer", project=b),
        "b_checker": reviewer(username="b_checker", project=b),
    }
    exporter(username="a_export", project=a)
    stories = {
        "a": ArticleFactory(project=a, title="Bridge budget story"),
        "b": ArticleFactory(project=b, title="Bridge election story"),
    }
    work = {
        "a": AnnotationFactory(
            article=stories["a"], author=people["a_writer"], status=Status.SUBMITTED
        ),
        "b": AnnotationFactory(
            article=stories["b"], author=people["b_writer"], status=Status.SUBMITTED
        ),
        "b_approved": AnnotationFactory(
            article=stories["b"], author=people["b_writer"], status=Status.APPROVED, start=20
        ),
    }
    evidence = {"a": EvidenceFactory(project=a), "b": EvidenceFactory(project=b)}
    return {
        "a": a,
        "b": b,
        "people": people,
        "stories": stories,
        "work": work,
        "evidence": evidence,
        "client": client_for,
    }


def ids(response):
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["id"] for row in rows}


def test_a_member_of_one_project_sees_nothing_of_another_through_the_api(two_desks):
    d = two_desks
    api = d["client"](d["people"]["a_checker"])
    assert ids(api.get("/api/v1/articles/")) == {d["stories"]["a"].pk}
    assert ids(api.get("/api/v1/articles/?search=Bridge")) == {d["stories"]["a"].pk}
    assert ids(api.get("/api/v1/annotations/")) == {d["work"]["a"].pk}
    assert ids(api.get("/api/v1/evidence/")) == {d["evidence"]["a"].pk}
    assert [p["slug"] for p in api.get("/api/v1/projects/").json()["results"]] == ["desk-a"]
    for url in [
        f"/api/v1/articles/{d['stories']['b'].pk}/",
        f"/api/v1/articles/{d['stories']['b'].pk}/annotations/",
        f"/api/v1/annotations/{d['work']['b'].pk}/",
        f"/api/v1/evidence/{d['evidence']['b'].pk}/",
        "/api/v1/projects/desk-b/",
        "/api/v1/projects/desk-b/progress/",
    ]:
        assert api.get(url).status_code == 404, url
    counts = api.get(f"/api/v1/articles/{d['stories']['a'].pk}/").json()["counts"]
    assert counts["total"] == 1


def test_exports_and_the_w3c_collection_hold_only_the_exporters_projects(two_desks):
    d = two_desks
    Annotation.objects.update(status=Status.APPROVED)
    from tests.factories import UserFactory

    api = d["client"](UserFactory.create(username="a_export"))
    rows = api.get("/api/v1/export/annotations/", {"format": "json"}).json()["results"]
    assert {row["id"] for row in rows} == {d["work"]["a"].pk}
    collection = api.get("/api/v1/export/annotations/", {"format": "w3c"}).json()
    assert collection["total"] == 1
    jsonl = api.get("/api/v1/export/annotations/", {"format": "jsonl"})
    assert len(b"".join(jsonl.streaming_content).splitlines()) == 1
    assert jsonl["X-Total-Count"] == "1"


def test_the_review_queue_holds_only_the_reviewers_projects(two_desks):
    d = two_desks
    client = Client()
    client.force_login(d["people"]["a_checker"])
    page = client.get("/admin/annotations/reviewqueue/").content.decode()
    assert f"/admin/annotations/reviewqueue/{d['work']['a'].pk}/change/" in page
    assert f"/admin/annotations/reviewqueue/{d['work']['b'].pk}/change/" not in page
    other = client.get(f"/admin/annotations/reviewqueue/{d['work']['b'].pk}/change/")
    assert other.status_code == 404
    decided = client.post(
        f"/admin/annotations/reviewqueue/{d['work']['b'].pk}/change/",
        {"decision": "approve", "note": "", "version": 1},
    )
    assert decided.status_code == 404
    assert Annotation.objects.get(pk=d["work"]["b"].pk).status == Status.SUBMITTED
    for url in ["/admin/annotations/article/", "/admin/annotations/evidence/"]:
        listing = client.get(url).content.decode()
        assert "Desk B" not in listing and "election" not in listing


def test_crafted_ids_from_another_project_are_refused_on_every_write(two_desks):
    d = two_desks
    writer = d["people"]["a_writer"]
    api = d["client"](writer)
    mine = AnnotationFactory(article=d["stories"]["a"], author=writer, label="attribution")
    theirs_claim = d["work"]["b"]
    attempts = {
        "create on their article": api.post(
            "/api/v1/annotations/",
            {"article": d["stories"]["b"].pk, "label": "claim", "quote": "mayor"},
            format="json",
        ),
        "link to their claim": api.post(
            f"/api/v1/annotations/{mine.pk}/links/", {"target": theirs_claim.pk}, format="json"
        ),
        "attach their evidence": api.post(
            f"/api/v1/annotations/{mine.pk}/evidence/",
            {"evidence": d["evidence"]["b"].pk, "stance": "supports"},
            format="json",
        ),
        "article into their project": api.post(
            "/api/v1/articles/", {"project": "desk-b", "title": "T", "body": "B."}, format="json"
        ),
        "evidence into their project": api.post(
            "/api/v1/evidence/",
            {"project": "desk-b", "url": "https://example.org/z", "title": "Z"},
            format="json",
        ),
        "edit their annotation": api.patch(
            f"/api/v1/annotations/{theirs_claim.pk}/", {"note": "x"}, format="json"
        ),
        "approve their annotation": api.post(f"/api/v1/annotations/{theirs_claim.pk}/approve/"),
    }
    for name, response in attempts.items():
        assert response.status_code in (400, 404), (name, response.status_code, response.content)
    assert not mine.outgoing_links.exists() and not mine.evidence_links.exists()
    assert not Annotation.objects.filter(article=d["stories"]["b"], author=writer).exists()
    assert Annotation.objects.get(pk=theirs_claim.pk).note == ""


def test_blind_mode_hides_others_work_until_the_annotator_is_done(client_for):
    study = Project.objects.create(name="Study", slug="study", blind=True, annotators_per_article=2)
    first, second = (
        annotator(username="first", project=study),
        annotator(username="second", project=study),
    )
    checker = reviewer(username="checker", project=study)
    story = ArticleFactory(project=study)
    done_by_first = AnnotationFactory(article=story, author=first, status=Status.SUBMITTED)
    mine = AnnotationFactory(article=story, author=second, start=20)
    assignment = Assignment.objects.create(article=story, annotator=second)
    url = f"/api/v1/articles/{story.pk}/annotations/"
    assert ids(client_for(second).get(url)) == {mine.pk}
    assert client_for(second).get(f"/api/v1/annotations/{done_by_first.pk}/").status_code == 404
    assert done_by_first.pk in ids(client_for(checker).get(url))  # reviewers see everything
    submitted = assigning.mark_done(user=second, assignment=assignment)
    assert submitted == 1
    assert ids(client_for(second).get(url)) == {mine.pk, done_by_first.pk}


def test_auto_assign_balances_load_and_is_deterministic():
    project = Project.objects.create(name="Desk", slug="desk", annotators_per_article=2)
    boss = manager(username="boss", project=project)
    people = [annotator(username=name, project=project) for name in ("cy", "al", "bo")]
    articles = [ArticleFactory(project=project) for _ in range(5)]
    Assignment.objects.create(article=articles[0], annotator=people[0])  # cy already on one
    made = assigning.auto_assign(user=boss, project=project)
    assert len(made) == 9  # 5 articles x 2, less the one already there
    per_article = {}
    for a in Assignment.objects.all():
        per_article.setdefault(a.article_id, []).append(a.annotator.username)
    assert all(len(names) == len(set(names)) == 2 for names in per_article.values())
    load = {p.username: p.assignments.count() for p in people}
    assert max(load.values()) - min(load.values()) <= 1
    plan = sorted((a.article_id, a.annotator.username) for a in Assignment.objects.all())
    Assignment.objects.all().delete()
    Assignment.objects.create(article=articles[0], annotator=people[0])
    assigning.auto_assign(user=boss, project=project)
    assert sorted((a.article_id, a.annotator.username) for a in Assignment.objects.all()) == plan
    assert assigning.auto_assign(user=boss, project=project) == []  # nothing left to give


def test_only_managers_assign_and_change_members(client_for):
    project = Project.objects.create(name="Desk", slug="desk")
    boss = manager(username="boss", project=project)
    writer = annotator(username="writer", project=project)
    story = ArticleFactory(project=project)
    refused = client_for(writer).post("/api/v1/projects/desk/auto-assign/", {}, format="json")
    assert refused.status_code == 403
    made = client_for(boss).post(
        "/api/v1/assignments/",
        {"article": story.pk, "annotator": "writer", "due_on": "2026-12-24"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["due_on"] == "2026-12-24"
    added = client_for(boss).post(
        "/api/v1/projects/desk/members/", {"username": "writer", "role": "reviewer"}, format="json"
    )
    assert added.status_code == 201
    assert Membership.objects.filter(user=writer, project=project).count() == 2
    assert (
        client_for(writer)
        .post(
            "/api/v1/projects/desk/members/",
            {"username": "writer", "role": "manager"},
            format="json",
        )
        .status_code
        == 403
    )
    settings = client_for(boss).patch(
        "/api/v1/projects/desk/",
        {"blind": True, "guidelines": "# Rules\n\n<script>x</script>"},
        format="json",
    )
    assert settings.status_code == 200
    assert settings.json()["blind"] is True
    assert "<script>" not in settings.json()["guidelines_html"]


def test_my_work_lists_assignments_and_mark_done_asks_then_submits(client_for):
    project = Project.objects.create(name="Desk", slug="desk")
    writer = annotator(username="writer", project=project)
    late, soon = (
        ArticleFactory(project=project, title="Later"),
        ArticleFactory(project=project, title="Sooner"),
    )
    Assignment.objects.create(article=late, annotator=writer, due_on=dt.date(2026, 12, 20))
    first = Assignment.objects.create(article=soon, annotator=writer, due_on=dt.date(2026, 12, 2))
    AnnotationFactory(article=soon, author=writer)
    AnnotationFactory(article=soon, author=writer, start=15)
    client = Client()
    client.force_login(writer)
    assert client.get("/home/")["Location"] == "/work/"
    page = client.get("/work/").content.decode()
    assert page.index("Sooner") < page.index("Later")  # oldest due first
    assert "2 draft" in page
    ask = client.get(f"/work/{first.pk}/done/").content.decode()
    assert "<strong>2</strong> remaining drafts" in ask
    assert Annotation.objects.filter(status=Status.DRAFT).count() == 2  # asking changes nothing
    client.post(f"/work/{first.pk}/done/")
    first.refresh_from_db()
    assert first.state == AssignmentState.DONE and first.done_at is not None
    assert Annotation.objects.filter(status=Status.SUBMITTED).count() == 2


def test_progress_per_member_and_article(client_for):
    project = Project.objects.create(name="Desk", slug="desk")
    boss = manager(username="boss", project=project)
    writer = annotator(username="writer", project=project)
    story = ArticleFactory(project=project)
    assignment = Assignment.objects.create(article=story, annotator=writer)
    AnnotationFactory(article=story, author=writer)
    assigning.mark_done(user=writer, assignment=assignment)
    report = client_for(boss).get("/api/v1/projects/desk/progress/").json()
    row = next(m for m in report["members"] if m["username"] == "writer")
    assert (row["assigned"], row["done"], row["annotations"]["submitted"]) == (1, 1, 1)
    assert report["articles"] == [
        {
            "id": story.pk,
            "title": story.title,
            "annotators": [{"annotator": "writer", "state": "done"}],
            "done": True,
        }
    ]
    client = Client()
    client.force_login(boss)
    page = client.get(f"/admin/annotations/project/{project.pk}/progress/")
    assert page.status_code == 200 and "writer" in page.content.decode()


def test_guidelines_are_rendered_safely_beside_the_editor(client_for):
    project = Project.objects.create(
        name="Desk",
        slug="desk",
        guidelines="# Claims\n\nMark **checkable** assertions. <script>alert(1)</script> "
        "[x](javascript:alert(1))",
    )
    writer = annotator(username="writer", project=project)
    client = Client()
    client.force_login(writer)
    page = client.get("/projects/desk/guidelines/").content.decode()
    assert "<h1>Claims</h1>" in page and "<strong>checkable</strong>" in page
    assert "<script>alert" not in page and 'href="javascript' not in page
    story = ArticleFactory(project=project)
    assert "/projects/desk/guidelines/" in client.get(f"/articles/{story.pk}/").content.decode()
    assert Role.MANAGER not in [m.role for m in writer.memberships.all()]


@pytest.fixture
def desk_with_a_manager():
    desk = Project.objects.create(name="Desk", slug="desk")
    boss = manager(username="boss", project=desk, first_name="Ana", last_name="Ruiz")
    return desk, boss


def test_a_refused_page_is_the_sites_own_saying_why_and_whom_to_ask(desk_with_a_manager):
    desk, _ = desk_with_a_manager
    writer = Client()
    writer.force_login(annotator(username="writer", project=desk))
    response = writer.get("/export/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="topbar"' in page  # the site's page, not Django's bare one
    assert "Exporting needs the exporter, reviewer or manager role." in page
    assert "ask your project’s manager: Ana Ruiz" in page
    spanish = writer.get("/export/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es"' in spanish
    assert "Para exportar hace falta el rol de exportador, revisor o gestor." in spanish
    assert "pida lo que necesita a quien gestiona su proyecto: Ana Ruiz" in spanish
    assert "No está a su alcance" in spanish


def test_someone_with_no_role_is_sent_to_an_administrator():
    nobody = Client()
    nobody.force_login(UserFactory(username="newcomer"))
    page = nobody.get("/").content.decode()
    assert "You have no role in any project yet" in page
    assert "ask an administrator of the workbench" in page
    assert "Create a project" not in page


def test_a_manager_without_the_permission_is_told_who_gives_it_on_add_project(
    desk_with_a_manager,
):
    _, boss = desk_with_a_manager
    client = Client()
    client.force_login(boss)
    assert (
        b"/admin/annotations/project/add/" not in client.get("/admin/annotations/project/").content
    )
    response = client.get("/admin/annotations/project/add/")
    assert response.status_code == 403
    assert "“Can create projects” permission" in response.content.decode()
    assert 'class="topbar"' in response.content.decode()


@pytest.mark.parametrize("given_to", ["user", "group"])
def test_whoever_is_given_the_create_project_permission_creates_projects(given_to):
    """A staff member with no role yet, given the permission on their account or through a
    group, is offered Add project, makes one and manages it."""
    creator = UserFactory(username="desk-head", is_staff=True)
    allowed = Permission.objects.get(codename="create_project")
    if given_to == "user":
        creator.user_permissions.add(allowed)
    else:
        group = Group.objects.create(name="Project creators")
        group.permissions.add(allowed)
        creator.groups.add(group)
    client = Client()
    client.force_login(creator)
    assert b"/admin/annotations/project/add/" in client.get("/admin/").content
    assert client.get("/admin/annotations/project/").status_code == 200
    no_role_yet = client.get("/")  # no project yet: the refusal offers to make one
    assert no_role_yet.status_code == 403
    assert b'href="/admin/annotations/project/add/">Create a project' in no_role_yet.content
    form = {
        "name": "Election desk",
        "slug": "election-desk",
        "annotators_per_article": 1,
        "review_required": "on",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        "ratings-TOTAL_FORMS": 0,
        "ratings-INITIAL_FORMS": 0,
    }
    assert client.post("/admin/annotations/project/add/", form).status_code == 302
    made = Project.objects.get(slug="election-desk")
    assert Membership.objects.filter(project=made, user=creator, role=Role.MANAGER).exists()
    api = APIClient()
    api.force_authenticate(creator)
    assert api.post("/api/v1/projects/", {"name": "Health desk"}, format="json").status_code == 201


def test_the_top_bar_offers_only_what_the_user_may_open(desk_with_a_manager):
    desk, boss = desk_with_a_manager

    def links(user) -> set[str]:
        client = Client()
        client.force_login(user)
        page = client.get("/work/").content.decode()
        nav = page[page.index('class="topnav"') : page.index("</nav>")]
        return {name for name in ("/work/", "/export/", "/admin/", "reviewqueue") if name in nav}

    assert links(annotator(username="writer", project=desk)) == {"/work/"}
    assert links(exporter(username="feeds", project=desk)) == {"/work/", "/export/"}
    assert links(boss) == {"/work/", "/export/", "/admin/"}
    assert links(reviewer(username="checker", project=desk)) == {
        "/work/",
        "/export/",
        "/admin/",
        "reviewqueue",
    }
