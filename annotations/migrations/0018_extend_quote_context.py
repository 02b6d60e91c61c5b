"""Stored quote context becomes unique: where 32 characters either side are not enough to tell
a quote's copies apart, the prefix and suffix are extended (anchoring.context). Only those
annotations change; the rest keep their context as it was."""

from django.db import migrations

from annotations.spans.anchoring import context


def extend(apps, schema_editor):
    Article = apps.get_model("annotations", "Article")
    Annotation = apps.get_model("annotations", "Annotation")
    for article in Article.objects.only("body", "revision").iterator(chunk_size=200):
        changed = []
        rows = Annotation.objects.filter(article=article, revision=article.revision).only(
            "start", "end", "prefix", "suffix"
        )
        for annotation in rows:
            prefix, suffix = context(article.body, annotation.start, annotation.end)
            if (prefix, suffix) != (annotation.prefix, annotation.suffix):
                annotation.prefix, annotation.suffix = prefix, suffix
                changed.append(annotation)
        Annotation.objects.bulk_update(changed, ["prefix", "suffix"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0017_unique_quote_context")]

    operations = [migrations.RunPython(extend, migrations.RunPython.noop)]
