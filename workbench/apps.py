from django.contrib.admin.apps import AdminConfig


class WorkbenchAdminConfig(AdminConfig):
    """Django's admin with the workbench's site (review queue count on the index)."""

    default_site = "workbench.admin_site.WorkbenchAdminSite"
