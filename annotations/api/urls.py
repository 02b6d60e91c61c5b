from django.urls import path
from rest_framework.routers import SimpleRouter

from annotations.api.adjudication import (
    AdjudicatedAnnotationView,
    AdjudicationStepView,
    AdjudicationView,
)
from annotations.api.export import AnnotationExportView
from annotations.api.projects import AssignmentViewSet, ProjectViewSet
from annotations.api.sources import FeedViewSet, FetchViewSet
from annotations.api.verdicts import (
    ClaimReviewExportView,
    VerdictCorrectionViewSet,
    VerdictViewSet,
)
from annotations.api.views import AnnotationViewSet, ArticleViewSet, EvidenceViewSet

router = SimpleRouter()
router.register("articles", ArticleViewSet, basename="api-article")
router.register("annotations", AnnotationViewSet, basename="api-annotation")
router.register("evidence", EvidenceViewSet, basename="api-evidence")
router.register("projects", ProjectViewSet, basename="api-project")
router.register("assignments", AssignmentViewSet, basename="api-assignment")
router.register("fetches", FetchViewSet, basename="api-fetch")
router.register("feeds", FeedViewSet, basename="api-feed")
router.register("verdicts", VerdictViewSet, basename="api-verdict")
router.register("verdict-corrections", VerdictCorrectionViewSet, basename="api-verdict-correction")

urlpatterns = [
    path("export/annotations/", AnnotationExportView.as_view(), name="api-export-annotations"),
    path("export/claimreviews/", ClaimReviewExportView.as_view(), name="api-export-claimreviews"),
    path("articles/<int:pk>/adjudication/", AdjudicationView.as_view(), name="api-adjudication"),
    *(
        path(
            f"articles/<int:pk>/adjudication/{step}/",
            AdjudicationStepView.as_view(step=step),
            name=f"api-adjudication-{step}",
        )
        for step in ("accept", "add", "reject", "reopen", "finish")
    ),
    path(
        "articles/<int:pk>/adjudication/annotations/<int:annotation_id>/",
        AdjudicatedAnnotationView.as_view(),
        name="api-adjudicated-annotation",
    ),
    *router.urls,
]
