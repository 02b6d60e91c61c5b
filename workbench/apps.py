from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy, gettext_noop
from django_tasks_db.apps import TasksAppConfig

# Names the admin shows from packages that mark them for translation but ship no Spanish: the
# workbench's catalog supplies it, and listing them here keeps them in it (`make messages`).
PACKAGE_NAMES = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
]


class WorkbenchAdminConfig(AdminConfig):
    """Django's admin with the workbench's site (review queue count on the index)."""

    default_site = "workbench.admin_site.WorkbenchAdminSite"


class BackgroundJobsConfig(TasksAppConfig):
    """django-tasks' database backend, under a name the admin can say in every language."""

    verbose_name = gettext_lazy("Background jobs")
