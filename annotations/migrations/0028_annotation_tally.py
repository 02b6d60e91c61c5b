"""The annotations' tally (models/tallies.py), kept by triggers on PostgreSQL (issue 18).

Row triggers, so that a write adds one or two rows whatever it is: an insert +1 to its
group, a delete -1, an update that moves an annotation between groups -1 and +1 (the WHEN
clause skips every other update before any function runs). Statement triggers with
transition tables would copy every changed row, whole, for a bulk update that touches
nothing counted. TRUNCATE empties the tally too. The table starts as one row per group.

The foreign keys have no constraints: the tally is derived, and the annotations it counts
already protect their project and author from deletion.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GROUP = ["project_id", "author_id", "label", "status", "anchor", "origin"]
COLUMNS = ", ".join(GROUP)
TALLY = "annotations_annotationtally"


def _values(row: str, n: int) -> str:
    return "(" + ", ".join(f"{row}.{column}" for column in GROUP) + f", {n})"


FUNCTION = f"""
    CREATE OR REPLACE FUNCTION annotations_annotation_tally() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO {TALLY} ({COLUMNS}, n) VALUES {_values("NEW", 1)};
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO {TALLY} ({COLUMNS}, n) VALUES {_values("OLD", -1)};
        ELSE
            INSERT INTO {TALLY} ({COLUMNS}, n)
            VALUES {_values("OLD", -1)}, {_values("NEW", 1)};
        END IF;
        RETURN NULL;
    END $$"""
MOVED = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in GROUP)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(FUNCTION)
    table = "annotations_annotation"
    for event, when in [("INSERT", ""), ("DELETE", ""), ("UPDATE", f"WHEN ({MOVED})")]:
        run(
            f"CREATE TRIGGER annotations_annotation_tally_{event.lower()} AFTER {event} "
            f"ON {table} FOR EACH ROW {when} EXECUTE FUNCTION annotations_annotation_tally()"
        )
    run(
        "CREATE OR REPLACE FUNCTION annotations_annotation_untally() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {TALLY}; RETURN NULL; END $$"
    )
    run(
        f"CREATE TRIGGER annotations_annotation_tally_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION annotations_annotation_untally()"
    )
    run(
        f"INSERT INTO {TALLY} ({COLUMNS}, n) SELECT {COLUMNS}, count(*) FROM {table} "
        f"GROUP BY {COLUMNS}"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    for event in ("insert", "delete", "update", "truncate"):
        run(f"DROP TRIGGER annotations_annotation_tally_{event} ON annotations_annotation")
    run("DROP FUNCTION annotations_annotation_tally()")
    run("DROP FUNCTION annotations_annotation_untally()")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0027_export_w3c"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AnnotationTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("label", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=20)),
                ("anchor", models.CharField(max_length=10)),
                ("origin", models.CharField(max_length=12)),
                ("n", models.BigIntegerField()),
                (
                    "author",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="annotations.project",
                    ),
                ),
            ],
            options={"verbose_name_plural": "annotation tallies"},
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
