"""Each annotation's W3C Web Annotation pieces, kept by PostgreSQL (issue 18), on PostgreSQL only.

A W3C page of 900 annotations took 3.4 times the JSONL of the same rows, because the page built
every annotation's JSON (twenty objects, evidence gathered per row) where JSONL joins pieces
kept on every write (migration 0026). Two more pieces join them, rebuilt by their own trigger
whenever 0026's is (the row written, its evidence links or links changed, cited evidence
edited, its author renamed: 0026's triggers touch the row, and both row triggers fire):

- `export_w3c_head`: the members from "created" to the body's items, the body left open: the
  tagging body, the commenting one when there is a note, then one per evidence link.
- `export_w3c_tail`: the target's selectors to the end: "reviewStatus", "annotationLinks" and
  "offsetUnit", the object left open.

What lies between is joined at export (annotations/export/postgres.py): the site's base IRI,
the claim's published verdict, the revision's date and the article's URL, so a verdict, a
corrected article or a moved site need no rewrite. The export tests check that the pages equal
records.w3c_annotation after each kind of change. Filling the columns rewrites the table once.
"""

from django.conf import settings
from django.db import migrations

ISO_UTC = """'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"""


def _time(column: str) -> str:
    return f"COALESCE(to_json(to_char(NEW.{column} AT TIME ZONE 'UTC', {ISO_UTC}))::text, 'null')"


def _evidence(note: bool) -> str:
    extra = ", 'evidenceNote', el.note" if note else ""
    return (
        "json_build_object('type', 'SpecificResource', 'purpose', 'linking', 'source', e.url, "
        f"'stance', el.stance, 'evidenceTitle', e.title{extra})"
    )


def annotation_function(users: str) -> str:
    return f"""
        CREATE OR REPLACE FUNCTION annotations_annotation_w3c() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            evidence text;
            links json;
        BEGIN
            SELECT string_agg(CASE WHEN el.note <> '' THEN {_evidence(True)}
                                   ELSE {_evidence(False)} END::text,
                              ', ' ORDER BY el.created_at, el.id)
            INTO evidence
            FROM annotations_evidencelink el JOIN annotations_evidence e ON e.id = el.evidence_id
            WHERE el.annotation_id = NEW.id;
            SELECT json_agg(json_build_object('kind', l.kind, 'target', l.target_id)
                            ORDER BY l.created_at, l.id)
            INTO links
            FROM annotations_annotationlink l WHERE l.source_id = NEW.id;
            NEW.export_w3c_head := '"created": ' || {_time("created_at")}
                || ', "modified": ' || {_time("updated_at")}
                || ', "creator": ' || json_build_object(
                    'type', 'Person',
                    'nickname', (SELECT username FROM {users} WHERE id = NEW.author_id))::text
                || ', "body": [' || json_build_object(
                    'type', 'TextualBody', 'purpose', 'tagging', 'value', NEW.label,
                    'format', 'text/plain')::text
                || CASE WHEN NEW.note <> '' THEN ', ' || json_build_object(
                    'type', 'TextualBody', 'purpose', 'commenting', 'value', NEW.note,
                    'format', 'text/plain')::text ELSE '' END
                || COALESCE(', ' || evidence, '');
            NEW.export_w3c_tail := '"selector": ' || json_build_array(
                    json_build_object('type', 'TextQuoteSelector', 'exact', NEW.quote,
                                      'prefix', NEW.prefix, 'suffix', NEW.suffix),
                    json_build_object('type', 'TextPositionSelector',
                                      'start', NEW.start, 'end', NEW."end"))::text
                || '}}, "reviewStatus": ' || to_json(NEW.status)::text
                || ', "annotationLinks": ' || COALESCE(links, '[]'::json)::text
                || ', "offsetUnit": "code_point"';
            RETURN NEW;
        END $$"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    run = schema_editor.execute
    run("ALTER TABLE annotations_annotation ADD export_w3c_head text, ADD export_w3c_tail text")
    run(annotation_function(users))
    # Named to fire after 0026's trigger (row triggers fire in name order); neither reads the
    # other's columns.
    run(
        "CREATE TRIGGER annotations_annotation_export_w3c BEFORE INSERT OR UPDATE "
        "ON annotations_annotation FOR EACH ROW EXECUTE FUNCTION annotations_annotation_w3c()"
    )
    run("UPDATE annotations_annotation SET export_w3c_head = NULL")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("DROP TRIGGER annotations_annotation_export_w3c ON annotations_annotation")
    run("DROP FUNCTION annotations_annotation_w3c()")
    run("ALTER TABLE annotations_annotation DROP export_w3c_head, DROP export_w3c_tail")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0026_export_json"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
