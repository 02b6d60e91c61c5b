"""Move what the workbench holds into one project, and turn group membership into roles.

Before projects, everyone worked in one shared space with global groups. That space becomes
the project "Newsroom"; each member of the Annotators, Reviewers and Exporters groups gets the
matching role in it, and the groups, which no longer grant anything, are removed. Superusers
need no role: they administer every project. Nothing is lost: every article, evidence row and
annotation (with its history) keeps its id and lands in the project.
"""

from django.db import migrations

GROUP_ROLES = {"Annotators": "annotator", "Reviewers": "reviewer", "Exporters": "exporter"}
PROJECT = {"name": "Newsroom", "slug": "newsroom"}


def into_one_project(apps, schema_editor):
    Project = apps.get_model("annotations", "Project")
    Membership = apps.get_model("annotations", "Membership")
    Group = apps.get_model("auth", "Group")
    project, _ = Project.objects.get_or_create(slug=PROJECT["slug"], defaults=PROJECT)
    for name in ("Article", "Evidence", "Annotation"):
        for model in (name, f"Historical{name}"):
            apps.get_model("annotations", model).objects.filter(project__isnull=True).update(
                project=project
            )
    for group_name, role in GROUP_ROLES.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for user in group.user_set.all():
            Membership.objects.get_or_create(project=project, user=user, role=role)
        group.delete()


def back_to_groups(apps, schema_editor):
    Membership = apps.get_model("annotations", "Membership")
    Group = apps.get_model("auth", "Group")
    for group_name, role in GROUP_ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for membership in Membership.objects.filter(role=role).select_related("user"):
            group.user_set.add(membership.user)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0012_projects"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(into_one_project, back_to_groups)]
