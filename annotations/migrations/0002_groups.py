"""Create the Annotators and Reviewers groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Annotators": [
        "view_article",
        "add_article",
        "view_annotation",
        "add_annotation",
        "change_annotation",
        "delete_annotation",
        "view_evidence",
        "add_evidence",
        "view_evidencelink",
        "add_evidencelink",
        "delete_evidencelink",
        "view_annotationlink",
        "add_annotationlink",
        "delete_annotationlink",
        "view_reviewevent",
    ],
    "Reviewers": [
        "view_article",
        "add_article",
        "view_annotation",
        "review_annotation",
        "view_evidence",
        "view_evidencelink",
        "view_annotationlink",
        "view_reviewevent",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so groups can hold them.
    app_config = apps.get_app_config("annotations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(
            content_type__app_label="annotations", codename__in=codenames
        )
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for group {name}: {sorted(missing)}")
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
