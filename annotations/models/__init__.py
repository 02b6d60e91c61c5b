"""The tables: content (articles, annotations, links, evidence, review), projects, sources,
verdicts, and the annotations' tally."""

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
from annotations.models.tallies import AnnotationTally
from annotations.models.verdicts import (
    SUMMARY_MAX,
    Rating,
    Verdict,
    VerdictCorrection,
    VerdictEvent,
)

__all__ = [
    "SUMMARY_MAX",
    "Adjudication",
    "Annotation",
    "AnnotationLink",
    "AnnotationTally",
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
    "Rating",
    "ReviewEvent",
    "ReviewQueue",
    "Verdict",
    "VerdictCorrection",
    "VerdictEvent",
    "WebURLField",
    "WebURLFormField",
    "http_url_validator",
]
