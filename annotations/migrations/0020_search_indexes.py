"""Full-text search documents (annotations/searching.py), on PostgreSQL only.

A stored generated `search_document` column on articles, annotations and evidence, with a GIN
index. The models do not declare the columns: PostgreSQL keeps them up to date on every write,
and SQLite, the zero-setup database, has neither tsvector nor GIN. Adding a stored column
rewrites the table once (about 10 s per million annotations).
"""

from django.db import migrations

BODY_INDEXED = 200_000  # searching.py says why


def _weighted(column: str, weight: str, limit: int | None = None) -> str:
    text = f"left({column}, {limit})" if limit else column
    return f"setweight(to_tsvector('simple'::regconfig, COALESCE({text}, '')), '{weight}')"


DOCUMENTS = {
    "annotations_article": " || ".join(
        [_weighted("title", "A"), _weighted("publisher", "B"), _weighted("body", "C", BODY_INDEXED)]
    ),
    "annotations_annotation": f"{_weighted('quote', 'A')} || {_weighted('note', 'B')}",
    "annotations_evidence": _weighted("title", "A"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, expression in DOCUMENTS.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({expression}) STORED"
        )
        schema_editor.execute(f"CREATE INDEX {table}_search ON {table} USING gin (search_document)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in DOCUMENTS:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN search_document")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0019_article_urls_as_uris")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
