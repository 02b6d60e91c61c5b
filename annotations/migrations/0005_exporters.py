"""Create the Exporters group and let Reviewers export too."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("annotations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    export = Permission.objects.get(
        content_type__app_label="annotations", codename="export_annotation"
    )
    viewing = Permission.objects.filter(
        content_type__app_label="annotations",
        codename__in=["view_article", "view_annotation", "view_evidence"],
    )
    exporters, _ = Group.objects.get_or_create(name="Exporters")
    exporters.permissions.add(export, *viewing)
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    reviewers.permissions.add(export)


def revoke(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Exporters").delete()


class Migration(migrations.Migration):
    dependencies = [("annotations", "0004_export_permission")]

    operations = [migrations.RunPython(grant, revoke)]
