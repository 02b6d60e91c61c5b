"""The tables: content (articles, annotations, links, evidence, review) and projects."""

from annotations.models.content import (
    Annotation,
    AnnotationLink,
    Article,
    ArticleRevision,
    Evidence,
    EvidenceLink,
    IdempotencyRecord,
    ReviewEvent,
    ReviewQueue,
    WebURLField,
    WebURLFormField,
    http_url_validator,
)
from annotations.models.projects import (
    Adjudication,
    ArticleAgreement,
    Assignment,
    Membership,
    Project,
)
from annotations.models.sources import Feed, FeedItem, Fetch

__all__ = [
    "Adjudication",
    "Annotation",
    "AnnotationLink",
    "Article",
    "ArticleAgreement",
    "ArticleRevision",
    "Assignment",
    "Evidence",
    "EvidenceLink",
    "Feed",
    "FeedItem",
    "Fetch",
    "IdempotencyRecord",
    "Membership",
    "Project",
    "ReviewEvent",
    "ReviewQueue",
    "WebURLField",
    "WebURLFormField",
    "http_url_validator",
]
