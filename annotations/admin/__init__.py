"""Django admin: the review queue, projects, and management of articles, annotations, evidence."""

from annotations.admin import (  # noqa: F401  (registers them)
    content,
    projects,
    review,
    sources,
    verdicts,
)
