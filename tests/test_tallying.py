"""The annotations' tally (migration 0028): exact after every kind of write, folded without
changing a sum, and the count every export states up front, equal to the rows it sends."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.choices import Anchor, Label, Role, Status
from annotations.export import tallying
from annotations.models import Annotation, AnnotationTally, Membership, Project
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    UserFactory,
    annotator,
    exporter,
    reviewer,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

URL = "/api/v1/export/annotations/"
SENT_BACK = {Status.REJECTED, Status.CHANGES_REQUESTED}
GROUP = ["project_id", "author_id", "label", "status", "anchor", "origin"]


def assert_tally_exact():
    columns = ", ".join(GROUP)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}, count(*) FROM annotations_annotation GROUP BY {columns}")
        counted = set(cursor.fetchall())
        cursor.execute(
            f"SELECT {columns}, sum(n) FROM annotations_annotationtally GROUP BY {columns} "
            "HAVING sum(n) <> 0"
        )
        assert set(cursor.fetchall()) == counted


@pytest.fixture
def desk():
    project = Project.objects.create(name="Desk", slug="desk")
    author = annotator(project=project, username="writer")
    article = ArticleFactory(project=project, body="Fees rose. Officials denied it. " * 20)
    made = [AnnotationFactory(article=article, author=author, start=i, length=4) for i in range(6)]
    return {"project": project, "author": author, "article": article, "made": made}


def test_the_tally_follows_inserts_moves_bulk_writes_deletes_and_truncation(desk):
    assert_tally_exact()
    first, second, *rest = desk["made"]
    Annotation.objects.filter(pk=first.pk).update(status=Status.APPROVED)
    Annotation.objects.filter(pk=second.pk).update(label=Label.DENIAL, anchor=Anchor.ORPHANED)
    Annotation.objects.filter(pk__in=[a.pk for a in rest]).update(status=Status.SUBMITTED)
    Annotation.objects.filter(pk=first.pk).update(note="no group changes")
    assert_tally_exact()
    other = Project.objects.create(name="Other", slug="other")
    Annotation.objects.filter(pk=rest[0].pk).update(project=other)
    Annotation.objects.bulk_create(
        [
            Annotation(
                project=desk["project"],
                article=desk["article"],
                author=desk["author"],
                label=Label.CLAIM,
                start=0,
                end=4,
                quote="Fees",
            )
            for _ in range(3)
        ]
    )
    second.delete()
    assert_tally_exact()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign-key checks pending
        cursor.execute("TRUNCATE annotations_annotation CASCADE")
    assert AnnotationTally.objects.total() == 0


def test_folding_leaves_one_row_per_group_and_every_sum_as_it_was(desk):
    Annotation.objects.filter(pk=desk["made"][0].pk).update(status=Status.APPROVED)
    Annotation.objects.filter(pk=desk["made"][0].pk).update(status=Status.DRAFT)
    before = AnnotationTally.objects.count()
    assert before > 2
    assert tallying.compact() == 1  # six drafts of one author, label, project
    assert AnnotationTally.objects.count() == 1
    assert AnnotationTally.objects.get().n == 6
    assert_tally_exact()


def lines(response) -> int:
    return b"".join(response.streaming_content).count(b"\n")


@pytest.fixture
def desks(client_for):
    """Two projects, one blind and double-annotated; work in every status."""
    open_desk = Project.objects.create(name="Open", slug="open")
    blind = Project.objects.create(name="Blind", slug="blind", blind=True, annotators_per_article=2)
    writers = [annotator(project=open_desk, username=f"w{i}") for i in range(2)]
    for writer in writers:
        Membership.objects.create(project=blind, user=writer, role=Role.ANNOTATOR)
    for project in (open_desk, blind):
        article = ArticleFactory(project=project, body="Fees rose. Officials denied it. " * 20)
        for i, status in enumerate([*Status.values, Status.APPROVED, Status.SUBMITTED]):
            for writer in writers:
                AnnotationFactory(
                    article=article,
                    author=writer,
                    start=i,
                    length=4,
                    status=status,
                    label=Label.values[i % 3],
                    review_note="Sent back." if status in SENT_BACK else "",
                )
    both = exporter(project=open_desk, username="both")
    Membership.objects.create(project=blind, user=both, role=Role.EXPORTER)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    return {
        "users": [both, exporter(project=blind, username="blind-only"), admin, reviewer(open_desk)],
        "client_for": client_for,
    }


TALLIED = [
    {},
    {"set": "all"},
    {"set": "annotators"},
    {"set": "adjudicated"},
    {"status": [Status.SUBMITTED, Status.DRAFT]},
    {"label": "claim", "project": "open"},
    {"author": "w1"},
]
COUNTED = [{"search": "fees"}, {"article": "1"}, {"updated_since": "2020-01-01T00:00:00Z"}]


@pytest.mark.parametrize("params", TALLIED + COUNTED)
def test_every_export_states_the_count_of_the_rows_it_sends(desks, params):
    """Whoever asks and whatever they filter on, from the tally or not."""
    for user in desks["users"]:
        client = desks["client_for"](user)
        response = client.get(URL, {"format": "jsonl", **params})
        assert response.status_code == 200, response.content
        assert int(response["X-Total-Count"]) == lines(response), (user.username, params)
        page = client.get(URL, {"format": "json", "page_size": 1000, **params})
        assert int(page["X-Total-Count"]) == len(page.json()["results"])
        collection = client.get(URL, {"format": "w3c", **params}).json()
        first = client.get(collection["first"]).json()  # of 100, more than the desks hold
        assert collection["total"] == len(first["items"]) == first["partOf"]["total"]


@pytest.mark.parametrize(
    "params,tallied", [(p, True) for p in TALLIED] + [(p, False) for p in COUNTED]
)
def test_a_count_reads_the_tally_where_it_can_make_the_same_selection(desks, params, tallied):
    client = desks["client_for"](desks["users"][0])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"format": "jsonl", **params})
        lines(response)
    read = any("annotations_annotationtally" in q["sql"] for q in queries.captured_queries)
    assert read is tallied


def test_an_annotator_in_a_blind_project_is_counted_row_by_row(desks):
    """Whether they see others' work there depends on their assignments, which the tally
    lacks: so the count of what they export from another project is made row by row."""
    writer = get_user_model().objects.get(username="w0")
    Membership.objects.create(project=Project.objects.get(slug="open"), user=writer,
                              role=Role.EXPORTER)  # fmt: skip
    client = desks["client_for"](writer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"format": "jsonl", "set": "all"})
        sent = lines(response)
    assert int(response["X-Total-Count"]) == sent
    assert not any("annotationtally" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)  # the worker closes its connections
def test_the_worker_folds_the_tally(desk):
    from django.core.management import call_command

    Annotation.objects.filter(pk=desk["made"][0].pk).update(status=Status.SUBMITTED)
    assert AnnotationTally.objects.count() > 2
    call_command("worker", "--batch", verbosity=0)
    assert sorted(AnnotationTally.objects.values_list("status", "n")) == [
        ("draft", 5),
        ("submitted", 1),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_sums_to_its_own_count_while_others_write_and_fold(desk):
    """What an export's count relies on: in a REPEATABLE READ snapshot the tally's sum stays
    the count of the rows that snapshot sees, whatever commits meanwhile, folds included."""
    import threading

    from django.db import connections, transaction

    def counts():
        return AnnotationTally.objects.total(), Annotation.objects.count()

    def elsewhere():
        try:
            for start in (40, 50):
                AnnotationFactory(article=desk["article"], author=desk["author"], start=start)
            Annotation.objects.filter(pk=desk["made"][0].pk).update(status=Status.SUBMITTED)
            Annotation.objects.filter(pk=desk["made"][1].pk).delete()
            tallying.compact()
        finally:
            connections.close_all()

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        before = counts()
        writer = threading.Thread(target=elsewhere)
        writer.start()
        writer.join()
        assert counts() == before == (6, 6)
    assert counts() == (7, 7)  # two more, one fewer
    assert AnnotationTally.objects.count() == 2  # folded: drafts and the submitted one
    assert_tally_exact()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_streamed_export_runs_the_same_queries_whatever_its_size(desks, fmt):
    """Pinned: the user's roles and one sum over the tally, no COUNT over annotations (the
    COPY itself goes through psycopg's own cursor, below Django's query log)."""
    seen = []
    for extra in (0, 40):
        # A user read afresh, as each request's session reads them (with their roles).
        client = desks["client_for"](get_user_model().objects.get(pk=desks["users"][0].pk))
        for n in range(extra):
            AnnotationFactory(
                article=Annotation.objects.first().article,
                author=get_user_model().objects.get(username="w0"),
                start=n % 20,
                status=Status.APPROVED,
            )
        with CaptureQueriesContext(connection) as queries:
            lines(client.get(URL, {"format": fmt}))
        sql = [q["sql"] for q in queries.captured_queries]
        assert sum("annotationtally" in q for q in sql) == 1
        assert not any("COUNT(" in q.upper() for q in sql)
        seen.append(len(sql))
    assert seen == [2, 2]  # the user's roles, the tally
