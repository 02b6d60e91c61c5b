"""Every route: the admin, the editor's pages, log-in, and the API with its schema and docs.

Each face is mounted here, so no face imports another to be reached.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from annotations.api.verdicts import PublicClaimReviewFeed
from workbench.errors import (
    bad_request_or_too_large,
    not_found,
    permission_denied,
    server_error_or_unavailable,
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include("annotations.api.urls")),
    # Published fact-checks are public, like the articles that carry them.
    path(
        "feeds/<slug:slug>/claimreviews.json",
        PublicClaimReviewFeed.as_view(),
        name="claimreview-feed",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("annotations.pages.urls")),
]

handler400 = bad_request_or_too_large
handler403 = permission_denied
handler404 = not_found
handler500 = server_error_or_unavailable
