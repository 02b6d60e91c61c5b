"""Upgrades lose nothing: data written by the previous release survives its migrations."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PREVIOUS_RELEASE = ("annotations", "0006_list_indexes")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


BODY = "The harbour fees rose. Officials denied it."


def old_claim(apps, project=None, article=None, **fields):
    """A claim on "fees rose" written at an older schema, with its project, article and author
    (`project` and `article` override their fields)."""
    Project = apps.get_model("annotations", "Project")
    owner = Project.objects.create(**{"name": "Desk", "slug": "desk", **(project or {})})
    text = apps.get_model("annotations", "Article").objects.create(
        **{"project": owner, "title": "Fees", "body": BODY, "body_hash": "x", **(article or {})}
    )
    return apps.get_model("annotations", "Annotation").objects.create(
        project=owner, article=text, author=apps.get_model("auth", "User").objects.create(
            username="author"
        ), label="claim", start=4, end=21, quote=BODY[4:21], **fields,
    )  # fmt: skip


def test_links_and_evidence_written_before_the_constraints_survive_the_upgrade():
    old = migrate_to([PREVIOUS_RELEASE])
    User = old.get_model("auth", "User")
    Article = old.get_model("annotations", "Article")
    Annotation = old.get_model("annotations", "Annotation")
    AnnotationLink = old.get_model("annotations", "AnnotationLink")
    Evidence = old.get_model("annotations", "Evidence")
    EvidenceLink = old.get_model("annotations", "EvidenceLink")

    author = User.objects.create(username="author")
    body = "McCaul stated the bridge opened. Officials denied it."
    article = Article.objects.create(title="Bridge", body=body, body_hash="x")

    def span(label, text):
        start = body.index(text)
        return Annotation.objects.create(
            article=article,
            author=author,
            label=label,
            start=start,
            end=start + len(text),
            quote=text,
        )

    said = span("attribution", "McCaul stated")
    claim = span("claim", "the bridge opened")
    denial = span("denial", "Officials denied it")
    stray = span("attribution", "McCaul")
    AnnotationLink.objects.create(source=said, target=claim, kind="attributes")
    AnnotationLink.objects.create(source=denial, target=claim, kind="denies")
    AnnotationLink.objects.create(source=said, target=stray, kind="attributes")  # the race's
    first = Evidence.objects.create(url="https://Example.org:443/a b", title="Report")
    second = Evidence.objects.create(url="https://example.org/a%20b", title="Report again")
    other = Evidence.objects.create(url="https://example.org/other", title="Other")
    EvidenceLink.objects.create(annotation=claim, evidence=first, stance="refutes")
    EvidenceLink.objects.create(annotation=claim, evidence=second, stance="supports")
    EvidenceLink.objects.create(annotation=denial, evidence=second, stance="supports")
    EvidenceLink.objects.create(annotation=denial, evidence=other, stance="context")

    new = migrate_to(latest())
    Link = new.get_model("annotations", "AnnotationLink")
    links = set(Link.objects.values_list("source_id", "target_id", "source_label", "target_label"))
    assert links == {
        (said.pk, claim.pk, "attribution", "claim"),
        (denial.pk, claim.pk, "denial", "claim"),
    }
    NewEvidence = new.get_model("annotations", "Evidence")
    assert sorted(NewEvidence.objects.values_list("url", flat=True)) == [
        "https://example.org/a%20b",
        "https://example.org/other",
    ]
    kept = NewEvidence.objects.get(url="https://example.org/a%20b")
    assert kept.pk == first.pk  # the oldest row stays
    uses = new.get_model("annotations", "EvidenceLink").objects
    assert set(uses.values_list("annotation_id", "evidence_id", "stance")) == {
        (claim.pk, first.pk, "refutes"),  # the claim's second link to the same source is dropped
        (denial.pk, first.pk, "supports"),  # moved over to the kept row
        (denial.pk, other.pk, "context"),
    }
    assert new.get_model("annotations", "Annotation").objects.count() == 4


def test_the_upgrade_to_projects_keeps_everything_and_turns_groups_into_roles():
    old = migrate_to([PREVIOUS_RELEASE])
    User = old.get_model("auth", "User")
    Group = old.get_model("auth", "Group")
    Article = old.get_model("annotations", "Article")
    Annotation = old.get_model("annotations", "Annotation")
    Evidence = old.get_model("annotations", "Evidence")
    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in ("Annotators", "Reviewers", "Exporters")
    }
    writer = User.objects.create(username="writer")
    checker = User.objects.create(username="checker", is_staff=True)
    both = User.objects.create(username="both")
    writer.groups.add(groups["Annotators"])
    checker.groups.add(groups["Reviewers"])
    both.groups.add(groups["Annotators"], groups["Exporters"])
    article = Article.objects.create(title="Story", body="The bridge opened.", body_hash="h")
    annotation = Annotation.objects.create(
        article=article,
        author=writer,
        label="claim",
        start=4,
        end=10,
        quote="bridge",
        status="approved",
    )
    evidence = Evidence.objects.create(url="https://example.org/r", title="Report")

    new = migrate_to(latest())
    Project = new.get_model("annotations", "Project")
    Membership = new.get_model("annotations", "Membership")
    (project,) = Project.objects.all()
    assert project.slug == "newsroom"
    for model, pk in (
        ("Article", article.pk),
        ("Annotation", annotation.pk),
        ("Evidence", evidence.pk),
    ):
        assert new.get_model("annotations", model).objects.get(pk=pk).project_id == project.pk
    roles = set(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        ("writer", "annotator"),
        ("checker", "reviewer"),
        ("both", "annotator"),
        ("both", "exporter"),
    }
    assert (
        not new.get_model("auth", "Group")
        .objects.filter(name__in=["Annotators", "Reviewers", "Exporters"])
        .exists()
    )
    history = new.get_model("annotations", "HistoricalAnnotation")
    assert set(history.objects.values_list("project_id", flat=True)) <= {project.pk}


@pytest.mark.postgres
def test_rows_written_before_search_are_found_after_the_upgrade():
    old = migrate_to([("annotations", "0019_article_urls_as_uris")])
    old_claim(old, note="Ask the port authority")
    migrate_to(latest())

    from annotations.models import Annotation as Current
    from annotations.models import Article as CurrentArticle

    assert [a.title for a in CurrentArticle.objects.search("harbour")] == ["Fees"]
    assert [a.note for a in Current.objects.search("authority")] == ["Ask the port authority"]


def test_work_from_before_adjudication_web_and_verdicts_upgrades_whole():
    """Rows of the previous main (0021) come through the adjudication, web-source and verdict
    migrations as annotators' own work, in the default export set, with nothing lost."""
    old = migrate_to([("annotations", "0021_article_agreement")])
    old_claim(
        old,
        project={"name": "Study", "slug": "study", "annotators_per_article": 2},
        status="approved",
        note="kept",
    )
    migrate_to(latest())

    from annotations.models import Annotation as Current
    from annotations.models import Article as CurrentArticle
    from annotations.models import Project as CurrentProject

    (kept,) = Current.objects.all()
    assert (kept.origin, kept.proposed_by, kept.note, kept.status) == (
        "annotator",
        "",
        "kept",
        "approved",
    )
    assert list(Current.objects.in_set("annotators")) == [kept]
    assert list(Current.objects.in_set("")) == []  # double-annotated: the adjudicated set
    upgraded = CurrentArticle.objects.get()
    assert (upgraded.canonical_url, upgraded.tracked, upgraded.unblinded_at) == ("", False, None)
    study = CurrentProject.objects.get(slug="study")
    assert (study.curator_may_annotate, study.publisher_url) == (False, "")


@pytest.mark.postgres
def test_rows_written_before_the_export_columns_export_as_before():
    """0026 fills the pieces the streamed export joins for every row already there."""
    old = migrate_to([("annotations", "0025_database_defaults")])
    checker = old.get_model("auth", "User").objects.create(username="zoë")
    old_claim(
        old,
        article={"title": 'Fees "up"', "source_url": ""},
        reviewer=checker,
        status="approved",
        note="kept\n",
    )
    migrate_to(latest())

    import json

    from annotations.export.formats import FORMATS
    from annotations.export.records import record
    from annotations.models import Annotation as Current

    queryset = Current.objects.all()
    lines = b"".join(FORMATS["jsonl"].stream(queryset)).decode().splitlines()
    assert [json.loads(line) for line in lines] == [record(a) for a in queryset.with_article()]


@pytest.mark.postgres
def test_rows_written_before_the_w3c_pieces_export_as_before():
    """0027 fills the W3C pieces for every row of the previous main (0026), evidence included."""
    old = migrate_to([("annotations", "0026_export_json")])
    claim = old_claim(old, status="approved", note="Ask the port")
    old.get_model("annotations", "EvidenceLink").objects.create(
        annotation=claim,
        stance="refutes",
        note="Port log",
        evidence=old.get_model("annotations", "Evidence").objects.create(
            project=claim.project, url="https://port.example/log", title="Log"
        ),
    )
    migrate_to(latest())

    import json

    from annotations.export import postgres
    from annotations.export.records import w3c_annotation
    from annotations.models import Annotation as Current

    queryset = Current.objects.all()
    served = [json.loads(text) for text in postgres.w3c_rows(queryset, "http://x.example")]
    shaped = queryset.with_article().with_revision_date().with_verdict()
    assert served == [w3c_annotation(a, lambda path: f"http://x.example{path}") for a in shaped]
    assert [body["purpose"] for body in served[0]["body"]] == ["tagging", "commenting", "linking"]
    from annotations.models import AnnotationTally  # 0028 counts the rows already there

    assert list(AnnotationTally.objects.values_list("status", "n")) == [("approved", 1)]
