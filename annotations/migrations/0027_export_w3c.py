"""Each annotation's W3C Web Annotation pieces, kept by PostgreSQL (issue 18), on PostgreSQL only.

A W3C page of 900 annotations took 3.4 times the JSONL of the same rows, because the page built
every annotation's JSON (twenty objects, evidence gathered per row) where JSONL joins pieces
kept on every write (migration 0026). Two more pieces join them, built by 0026's trigger
function from what it has already read (author, evidence, links), so they change whenever the
JSONL piece does (the row written, its evidence links or links changed, cited evidence edited,
its author renamed):

- `export_w3c_head`: the members from "created" to the body's items, the body left open: the
  tagging body, the commenting one when there is a note, then one per evidence link.
- `export_w3c_tail`: the target's selectors to the end: "reviewStatus", "annotationLinks" and
  "offsetUnit", the object left open.

What lies between is joined at export (annotations/export/postgres.py): the site's base IRI,
the claim's published verdict, the revision's date and the article's URL, so a verdict, a
corrected article or a moved site need no rewrite. The export tests check that the pages equal
records.w3c_annotation after each kind of change. Filling the columns rewrites the table once.
"""

import importlib

from django.conf import settings
from django.db import migrations

previous = importlib.import_module("annotations.migrations.0026_export_json")


def _time(column: str) -> str:
    """0026's timestamp as a JSON value: a string, or null."""
    return f"COALESCE(to_json({previous._time(column)})::text, 'null')"


def _evidence(note: bool) -> str:
    extra = ", 'evidenceNote', e->'note'" if note else ""
    return (
        "json_build_object('type', 'SpecificResource', 'purpose', 'linking', 'source', "
        f"e->'url', 'stance', e->'stance', 'evidenceTitle', e->'title'{extra})"
    )


# Statements run by 0026's function after its own pieces, with its variables: the evidence
# items are reshaped from the evidence JSON it read, in its order.
W3C_PIECES = f"""
            NEW.export_w3c_head := '"created": ' || {_time("created_at")}
                || ', "modified": ' || {_time("updated_at")}
                || ', "creator": '
                || json_build_object('type', 'Person', 'nickname', author_name)::text
                || ', "body": [' || json_build_object(
                    'type', 'TextualBody', 'purpose', 'tagging', 'value', NEW.label,
                    'format', 'text/plain')::text
                || CASE WHEN NEW.note <> '' THEN ', ' || json_build_object(
                    'type', 'TextualBody', 'purpose', 'commenting', 'value', NEW.note,
                    'format', 'text/plain')::text ELSE '' END
                || COALESCE((
                    SELECT ', ' || string_agg(CASE WHEN e->>'note' <> '' THEN {_evidence(True)}
                                                   ELSE {_evidence(False)} END::text,
                                              ', ' ORDER BY n)
                    FROM json_array_elements(evidence_json) WITH ORDINALITY AS items(e, n)), '');
            NEW.export_w3c_tail := '"selector": ' || json_build_array(
                    json_build_object('type', 'TextQuoteSelector', 'exact', NEW.quote,
                                      'prefix', NEW.prefix, 'suffix', NEW.suffix),
                    json_build_object('type', 'TextPositionSelector',
                                      'start', NEW.start, 'end', NEW."end"))::text
                || '}}, "reviewStatus": ' || to_json(NEW.status)::text
                || ', "annotationLinks": ' || COALESCE(links_json, '[]'::json)::text
                || ', "offsetUnit": "code_point"';"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    run = schema_editor.execute
    run("ALTER TABLE annotations_annotation ADD export_w3c_head text, ADD export_w3c_tail text")
    run(previous.annotation_function(users, then=W3C_PIECES))
    run("UPDATE annotations_annotation SET export_w3c_head = NULL")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    schema_editor.execute(previous.annotation_function(users))
    schema_editor.execute(
        "ALTER TABLE annotations_annotation DROP export_w3c_head, DROP export_w3c_tail"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0026_export_json"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
