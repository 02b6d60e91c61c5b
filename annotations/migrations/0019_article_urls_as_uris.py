"""Article URLs stored before they were normalised become valid URIs (inputs.normalise_url),
as evidence URLs did in 0008, so every export holds valid URIs."""

from django.db import migrations

from annotations.common.inputs import normalise_url


def normalise(apps, schema_editor):
    Article = apps.get_model("annotations", "Article")
    for article in Article.objects.exclude(source_url="").only("source_url").iterator():
        url = normalise_url(article.source_url)
        if url != article.source_url:
            Article.objects.filter(pk=article.pk).update(source_url=url)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0018_extend_quote_context")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
