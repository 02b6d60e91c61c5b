from django.contrib import admin
from django.urls import include, path

from annotations.api.errors import not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("annotations.urls")),
]

handler404 = not_found
