"""An article with an address is that page; only articles without one are their title and
text: the same story at two addresses is two articles, and correcting one never fails because
it now reads like the other. Relaxing the constraint reshapes no data.

Every model's name is also marked for translation here (and "fetches" spelt right): options
only, no change to the database."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0029_verdict_corrections"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="article",
            name="article_unique_text",
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.UniqueConstraint(
                condition=models.Q(("canonical_url", ""), ("source_url", "")),
                fields=("project", "body_hash", "title"),
                name="article_unique_text",
            ),
        ),
        migrations.AlterModelOptions(
            name="adjudication",
            options={
                "ordering": ["-started_at", "-id"],
                "verbose_name": "adjudication",
                "verbose_name_plural": "adjudications",
            },
        ),
        migrations.AlterModelOptions(
            name="annotation",
            options={
                "ordering": ["article_id", "start", "end", "id"],
                "permissions": [
                    ("review_annotation", "Can review annotations of other authors"),
                    ("export_annotation", "Can export annotations through the export API"),
                ],
                "verbose_name": "annotation",
                "verbose_name_plural": "annotations",
            },
        ),
        migrations.AlterModelOptions(
            name="annotationlink",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "annotation link",
                "verbose_name_plural": "annotation links",
            },
        ),
        migrations.AlterModelOptions(
            name="annotationtally",
            options={
                "verbose_name": "annotation tally",
                "verbose_name_plural": "annotation tallies",
            },
        ),
        migrations.AlterModelOptions(
            name="article",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "article",
                "verbose_name_plural": "articles",
            },
        ),
        migrations.AlterModelOptions(
            name="articleagreement",
            options={
                "verbose_name": "article agreement",
                "verbose_name_plural": "article agreements",
            },
        ),
        migrations.AlterModelOptions(
            name="articlerevision",
            options={
                "ordering": ["article", "number"],
                "verbose_name": "article revision",
                "verbose_name_plural": "article revisions",
            },
        ),
        migrations.AlterModelOptions(
            name="assignment",
            options={
                "ordering": ["due_on", "created_at", "id"],
                "verbose_name": "assignment",
                "verbose_name_plural": "assignments",
            },
        ),
        migrations.AlterModelOptions(
            name="evidence",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "evidence",
                "verbose_name_plural": "evidence",
            },
        ),
        migrations.AlterModelOptions(
            name="evidencelink",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "evidence link",
                "verbose_name_plural": "evidence links",
            },
        ),
        migrations.AlterModelOptions(
            name="feed",
            options={
                "ordering": ["project", "url"],
                "verbose_name": "feed",
                "verbose_name_plural": "feeds",
            },
        ),
        migrations.AlterModelOptions(
            name="feeditem",
            options={
                "ordering": ["-seen_at", "-id"],
                "verbose_name": "feed item",
                "verbose_name_plural": "feed items",
            },
        ),
        migrations.AlterModelOptions(
            name="fetch",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "fetch",
                "verbose_name_plural": "fetches",
            },
        ),
        migrations.AlterModelOptions(
            name="idempotencyrecord",
            options={
                "verbose_name": "idempotency record",
                "verbose_name_plural": "idempotency records",
            },
        ),
        migrations.AlterModelOptions(
            name="membership",
            options={
                "ordering": ["project", "user", "role"],
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
            },
        ),
        migrations.AlterModelOptions(
            name="project",
            options={
                "ordering": ["name"],
                "permissions": [("create_project", "Can create projects")],
                "verbose_name": "project",
                "verbose_name_plural": "projects",
            },
        ),
        migrations.AlterModelOptions(
            name="rating",
            options={
                "ordering": [
                    "project",
                    models.OrderBy(models.F("value"), descending=True, nulls_last=True),
                    "name",
                ],
                "verbose_name": "rating",
                "verbose_name_plural": "ratings",
            },
        ),
        migrations.AlterModelOptions(
            name="reviewevent",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "review event",
                "verbose_name_plural": "review events",
            },
        ),
        migrations.AlterModelOptions(
            name="verdict",
            options={
                "ordering": ["-updated_at", "-id"],
                "verbose_name": "verdict",
                "verbose_name_plural": "verdicts",
            },
        ),
        migrations.AlterModelOptions(
            name="verdictevent",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "verdict event",
                "verbose_name_plural": "verdict events",
            },
        ),
        migrations.AlterModelOptions(
            name="verdictcorrection",
            options={
                "ordering": ["proposed_at", "id"],
                "verbose_name": "verdict correction",
                "verbose_name_plural": "verdict corrections",
            },
        ),
    ]
