"""Django admin: the review queue, projects, and management of articles, annotations, evidence."""

from annotations.admin import content, projects, review, sources  # noqa: F401  (registers them)
