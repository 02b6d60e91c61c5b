"""Each annotation's and article's exported JSON, kept by PostgreSQL (issue 18), on PostgreSQL only.

Building JSON per row cost the streamed export 12 of its 15 seconds at 900,000 rows (to_char for
four times, json_build_object over twenty fields, evidence and links grouped per annotation).
A record changes only when something in it does, so triggers rebuild its pieces on every write,
whoever writes (workflow, editing, re-anchoring, adjudication, bulk updates, raw SQL):

- `annotations_annotation.export_members`: the record's members from "label" to "offset_unit"
  (annotations/export/records.py), without braces. Rebuilt when the row is written, when its
  evidence links or outgoing links are added, changed or removed, when evidence it cites is
  edited, and when its author or reviewer is renamed: those triggers touch the annotation rows
  concerned, whose own trigger reads everything again.
- `annotations_article.export_object`: the record's "article" object.
- `export_csv` on both: the same pieces of a CSV row (records.csv_row), each cell neutralised
  and quoted, joined by commas.

The models do not declare the columns (SQLite builds the records in Python); the export tests
check that the SQL records equal the Python ones after each kind of change, so a field added
to the shape without a new trigger shows there. Filling the columns rewrites the tables once
(about 100 s per million annotations).
"""

from django.conf import settings
from django.db import migrations

ISO_UTC = """'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"""


def _time(column: str) -> str:
    return f"to_char(NEW.{column} AT TIME ZONE 'UTC', {ISO_UTC})"


def _username(users: str, column: str) -> str:
    return f"(SELECT username FROM {users} WHERE id = NEW.{column})"


# An annotation's evidence and links, each read once for both forms: JSON arrays, and the
# CSV cells' "stance url; ..." and "kind target; ..." texts.
EVIDENCE = """
    SELECT json_agg(json_build_object('url', e.url, 'title', e.title, 'publisher', e.publisher,
                                      'stance', el.stance, 'note', el.note)
                    ORDER BY el.created_at, el.id),
           string_agg(el.stance || ' ' || e.url, '; ' ORDER BY el.created_at, el.id)
    INTO evidence_json, evidence_cell
    FROM annotations_evidencelink el JOIN annotations_evidence e ON e.id = el.evidence_id
    WHERE el.annotation_id = NEW.id"""
LINKS = """
    SELECT json_agg(json_build_object('kind', l.kind, 'target', l.target_id)
                    ORDER BY l.created_at, l.id),
           string_agg(l.kind || ' ' || l.target_id, '; ' ORDER BY l.created_at, l.id)
    INTO links_json, links_cell
    FROM annotations_annotationlink l WHERE l.source_id = NEW.id"""

# The annotations whose records hold a row of each table, from a statement's transition tables
# (changed: the new rows of an insert, the old of a delete, both of an update).
HOLDERS = {
    "annotations_evidencelink": "SELECT annotation_id FROM changed",
    "annotations_annotationlink": "SELECT source_id FROM changed",
    "annotations_evidence": (
        "SELECT el.annotation_id FROM annotations_evidencelink el "
        "JOIN changed ON changed.id = el.evidence_id"
    ),
}


# records.FORMULA_PATTERN as it stands here (a later change to it needs a migration; the export
# tests compare both): a cell that a spreadsheet would run gets a leading apostrophe.
FORMULA = (
    r"^(?:[\t\r]|[\x01-\x20\x7f-\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*"
    r"[-=+@\uff0d\uff1d\uff0b\uff20])"
)
# A CSV cell: text neutralised, then quoted when it holds a comma, a quote or a line break;
# nothing (NULL) is an empty cell. One expression, so that PostgreSQL inlines it (as a query
# with a FROM it ran as a call per cell: ten minutes instead of two to fill a million rows).
CELL_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION annotations_csv_cell(value text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN value IS NULL THEN ''
                    WHEN value ~ '[",\\r\\n]' THEN '"' || replace(
                        CASE WHEN value ~ '{FORMULA}' THEN '''' || value ELSE value END,
                        '"', '""') || '"'
                    WHEN value ~ '{FORMULA}' THEN '''' || value
                    ELSE value END
    $$"""


def _cells(*expressions: str) -> str:
    return " || ',' || ".join(f"annotations_csv_cell({e})" for e in expressions)


def annotation_function(users: str, then: str = "") -> str:
    """The annotation's trigger function; `then`, statements a later migration adds (0027's
    W3C pieces), run with the values read here."""
    members = ", ".join(
        [
            "'label', NEW.label",
            "'start', NEW.start",
            "'end', NEW.\"end\"",
            "'quote', NEW.quote",
            "'prefix', NEW.prefix",
            "'suffix', NEW.suffix",
            "'note', NEW.note",
            "'status', NEW.status",
            "'author', author_name",
            "'reviewer', reviewer_name",
            "'review_note', NEW.review_note",
            f"'created_at', {_time('created_at')}",
            f"'updated_at', {_time('updated_at')}",
            f"'submitted_at', {_time('submitted_at')}",
            f"'reviewed_at', {_time('reviewed_at')}",
            "'revision', NEW.revision",
            "'origin', NEW.origin",
            "'proposed_by', NEW.proposed_by",
            "'evidence', COALESCE(evidence_json, '[]'::json)",
            "'links', COALESCE(links_json, '[]'::json)",
            "'offset_unit', 'code_point'",
        ]
    )
    # The CSV row's cells from "label" on (records.csv_row); numbers and times are never
    # neutralised and need no quotes, but pass through the same cell for NULLs.
    cells = _cells(
        "NEW.label", "NEW.start::text", 'NEW."end"::text', "NEW.quote", "NEW.prefix",
        "NEW.suffix", "NEW.note", "NEW.status", "author_name", "reviewer_name", "NEW.review_note",
        _time("created_at"), _time("updated_at"), _time("submitted_at"), _time("reviewed_at"),
        "NEW.revision::text", "NEW.origin", "NEW.proposed_by", "evidence_cell", "links_cell",
        "'code_point'",
    )  # fmt: skip
    # Read once for both forms; plain variables keep each cell inlined.
    return f"""
        CREATE OR REPLACE FUNCTION annotations_annotation_export() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            author_name text := {_username(users, "author_id")};
            reviewer_name text := {_username(users, "reviewer_id")};
            evidence_json json;
            evidence_cell text;
            links_json json;
            links_cell text;
            object text;
        BEGIN
            {EVIDENCE};
            {LINKS};
            object := json_build_object({members})::text;
            NEW.export_members := substr(object, 2, length(object) - 2);
            NEW.export_csv := {cells};
            {then}
            RETURN NEW;
        END $$"""


ARTICLE_FUNCTION = """
    CREATE OR REPLACE FUNCTION annotations_article_export() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.export_object := json_build_object(
            'id', NEW.id, 'title', NEW.title, 'url', NULLIF(NEW.source_url, ''),
            'publisher', NEW.publisher)::text;
        NEW.export_csv := annotations_csv_cell(NEW.title) || ','
            || annotations_csv_cell(NULLIF(NEW.source_url, '')) || ','
            || annotations_csv_cell(NEW.publisher);
        RETURN NEW;
    END $$"""


def user_function(annotations: str) -> str:
    # A no-op update fires the annotations' own trigger, which reads the new username.
    return f"""
        CREATE OR REPLACE FUNCTION annotations_user_export() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {annotations} SET export_members = NULL
            WHERE author_id = NEW.id OR reviewer_id = NEW.id;
            RETURN NULL;
        END $$"""


def holder_function(table: str) -> str:
    """Per statement, so that a bulk insert touches each annotation once."""
    touch = (
        f"UPDATE annotations_annotation SET export_members = NULL WHERE id IN ({HOLDERS[table]})"
    )
    return f"""
        CREATE OR REPLACE FUNCTION {table}_export() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                WITH changed AS (SELECT * FROM new_rows) {touch};
            ELSIF TG_OP = 'DELETE' THEN
                WITH changed AS (SELECT * FROM old_rows) {touch};
            ELSE
                WITH changed AS (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) {touch};
            END IF;
            RETURN NULL;
        END $$"""


def holder_triggers(table: str) -> list[str]:
    # Transition tables allow one event per trigger. New evidence is in no record yet, and
    # evidence is deleted after its links, whose own trigger touches their annotations.
    events = {
        "INSERT": "REFERENCING NEW TABLE AS new_rows",
        "UPDATE": "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
        "DELETE": "REFERENCING OLD TABLE AS old_rows",
    }
    if table == "annotations_evidence":
        events = {"UPDATE": events["UPDATE"]}
    return [
        f"CREATE TRIGGER {table}_export_{event.lower()} AFTER {event} ON {table} {rows} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_export()"
        for event, rows in events.items()
    ]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    run = schema_editor.execute
    run("ALTER TABLE annotations_annotation ADD export_members text, ADD export_csv text")
    run("ALTER TABLE annotations_article ADD export_object text, ADD export_csv text")
    run(CELL_FUNCTION)
    run(annotation_function(users))
    run(ARTICLE_FUNCTION)
    run(user_function("annotations_annotation"))
    for table in HOLDERS:
        run(holder_function(table))
        for trigger in holder_triggers(table):
            run(trigger)
    run(
        "CREATE TRIGGER annotations_annotation_export BEFORE INSERT OR UPDATE "
        "ON annotations_annotation FOR EACH ROW EXECUTE FUNCTION annotations_annotation_export()"
    )
    run(
        "CREATE TRIGGER annotations_article_export BEFORE INSERT OR UPDATE "
        "ON annotations_article FOR EACH ROW EXECUTE FUNCTION annotations_article_export()"
    )
    run(
        f"CREATE TRIGGER annotations_user_export AFTER UPDATE OF username ON {users} "
        "FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username) "
        "EXECUTE FUNCTION annotations_user_export()"
    )
    run("UPDATE annotations_article SET export_object = NULL")
    run("UPDATE annotations_annotation SET export_members = NULL")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    run = schema_editor.execute
    run(f"DROP TRIGGER annotations_user_export ON {users}")
    for table in HOLDERS:
        run(f"DROP FUNCTION {table}_export() CASCADE")
    run("DROP TRIGGER annotations_article_export ON annotations_article")
    run("DROP TRIGGER annotations_annotation_export ON annotations_annotation")
    for function in ("user", "article", "annotation"):
        run(f"DROP FUNCTION annotations_{function}_export()")
    run("DROP FUNCTION annotations_csv_cell(text)")
    run("ALTER TABLE annotations_article DROP export_object, DROP export_csv")
    run("ALTER TABLE annotations_annotation DROP export_members, DROP export_csv")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0025_database_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
