from django.urls import path
from rest_framework.routers import SimpleRouter

from annotations.api.export import AnnotationExportView
from annotations.api.projects import AssignmentViewSet, ProjectViewSet
from annotations.api.views import AnnotationViewSet, ArticleViewSet, EvidenceViewSet

router = SimpleRouter()
router.register("articles", ArticleViewSet, basename="api-article")
router.register("annotations", AnnotationViewSet, basename="api-annotation")
router.register("evidence", EvidenceViewSet, basename="api-evidence")
router.register("projects", ProjectViewSet, basename="api-project")
router.register("assignments", AssignmentViewSet, basename="api-assignment")

urlpatterns = [
    path("export/annotations/", AnnotationExportView.as_view(), name="api-export-annotations"),
    *router.urls,
]
