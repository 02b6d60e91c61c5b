"""Links carry their spans' labels; one evidence row per (normalised) URL.

Data first, constraints in 0009 (PostgreSQL will not alter a table with pending trigger events
in the same transaction). What this migration changes in existing data, it prints:
- links whose shape the rules forbid (stored by the race this release closes) are removed;
- evidence URLs are normalised, and evidence rows that then share a URL are merged into the
  oldest, their links moved over (a link the annotation already has to the kept row is dropped).
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from annotations.common.inputs import normalise_url

SHAPES = {("attribution", "claim"), ("attribution", "denial"), ("denial", "claim")}


def fill_link_labels(apps, schema_editor):
    Annotation = apps.get_model("annotations", "Annotation")
    AnnotationLink = apps.get_model("annotations", "AnnotationLink")
    AnnotationLink.objects.update(
        source_label=Subquery(
            Annotation.objects.filter(pk=OuterRef("source_id")).values("label")[:1]
        ),
        target_label=Subquery(
            Annotation.objects.filter(pk=OuterRef("target_id")).values("label")[:1]
        ),
    )
    forbidden = [
        link.pk
        for link in AnnotationLink.objects.only("source_label", "target_label")
        if (link.source_label, link.target_label) not in SHAPES
    ]
    if forbidden:
        AnnotationLink.objects.filter(pk__in=forbidden).delete()
        print(f"\n  removed {len(forbidden)} link(s) of a forbidden shape: ids {forbidden}")


def merge_evidence(apps, schema_editor):
    Evidence = apps.get_model("annotations", "Evidence")
    EvidenceLink = apps.get_model("annotations", "EvidenceLink")
    kept: dict[str, int] = {}
    merged = 0
    for evidence in Evidence.objects.order_by("created_at", "id"):
        url = normalise_url(evidence.url)
        if url not in kept:
            kept[url] = evidence.pk
            if url != evidence.url:
                Evidence.objects.filter(pk=evidence.pk).update(url=url)
            continue
        keeper = kept[url]
        for link in EvidenceLink.objects.filter(evidence_id=evidence.pk):
            if EvidenceLink.objects.filter(
                annotation_id=link.annotation_id, evidence_id=keeper
            ).exists():
                link.delete()
            else:
                EvidenceLink.objects.filter(pk=link.pk).update(evidence_id=keeper)
        evidence.delete()
        merged += 1
    if merged:
        print(f"\n  merged {merged} evidence row(s) into the row with the same URL")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0007_web_urls")]

    operations = [
        migrations.AddField(
            model_name="annotationlink",
            name="source_label",
            field=models.CharField(
                choices=[("claim", "Claim"), ("denial", "Denial"), ("attribution", "Attribution")],
                default="",
                editable=False,
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="annotationlink",
            name="target_label",
            field=models.CharField(
                choices=[("claim", "Claim"), ("denial", "Denial"), ("attribution", "Attribution")],
                default="",
                editable=False,
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_link_labels, migrations.RunPython.noop),
        migrations.RunPython(merge_evidence, migrations.RunPython.noop),
    ]
