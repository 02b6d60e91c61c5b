"""An article with an address is that page; only articles without one are their title and
text: the same story at two addresses is two articles, and correcting one never fails because
it now reads like the other. Relaxing the constraint reshapes no data."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0028_annotation_tally"),
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
    ]
