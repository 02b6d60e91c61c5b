"""Streaming exports hold a bounded amount in memory, however many rows they send."""

import tracemalloc

import pytest
from django.db import connection

from annotations.models import Annotation
from tests.factories import AnnotationFactory, exporter

ROWS = 50_000


def _bulk_approved(total: int) -> None:
    """Copy one approved annotation `total` times in SQL: factories would take minutes."""
    seed = AnnotationFactory(status="approved", review_note="ok")
    table = Annotation._meta.db_table
    columns = [f.column for f in Annotation._meta.concrete_fields if f.column != "id"]
    listed = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {table}, "
            f"generate_series(1, %s) WHERE id = %s",
            [total - 1, seed.pk],
        )


def _peak_while_streaming(client, fmt: str) -> tuple[int, int]:
    response = client.get("/api/v1/export/annotations/", {"format": fmt})
    assert response.status_code == 200
    tracemalloc.start()
    size = 0
    for block in response.streaming_content:
        size += len(block)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, peak


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_memory_stays_flat_over_50000_rows(client, fmt):
    _bulk_approved(ROWS)
    client.force_login(exporter(username="bot"))
    size, peak = _peak_while_streaming(client, fmt)
    assert size > 5_000_000  # the whole export went through
    assert peak < 2_000_000, f"peak {peak} bytes while streaming {size} bytes"
