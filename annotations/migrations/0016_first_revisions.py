"""Every article's current body becomes its revision 1 (nothing else changes)."""

from django.db import migrations


def first_revisions(apps, schema_editor):
    Article = apps.get_model("annotations", "Article")
    Revision = apps.get_model("annotations", "ArticleRevision")
    article, revision = Article._meta.db_table, Revision._meta.db_table
    schema_editor.execute(
        f'INSERT INTO "{revision}" (article_id, number, body, body_hash, note, created_by_id, '
        "created_at, mapped, found, proposed, orphaned) "
        f"SELECT id, revision, body, body_hash, '', created_by_id, created_at, 0, 0, 0, 0 "
        f'FROM "{article}" a WHERE NOT EXISTS '
        f'(SELECT 1 FROM "{revision}" r WHERE r.article_id = a.id)'
    )


class Migration(migrations.Migration):
    dependencies = [("annotations", "0015_revisions")]

    operations = [migrations.RunPython(first_revisions, migrations.RunPython.noop)]
