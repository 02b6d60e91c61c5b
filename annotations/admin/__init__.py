"""Django admin: the review queue, and management of articles, annotations and evidence."""

from annotations.admin import content, review  # noqa: F401  (registers the model admins)
