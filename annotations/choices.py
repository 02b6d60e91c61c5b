"""The domain's words: labels, review statuses, evidence stances, link kinds, project roles.

They sit below every other module (tables, rules, faces) so any of them can name a status or a
label without importing the tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Label(models.TextChoices):
    CLAIM = "claim", _("Claim")
    DENIAL = "denial", _("Denial")
    ATTRIBUTION = "attribution", _("Attribution")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


class Stance(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    REFUTES = "refutes", _("Refutes")
    CONTEXT = "context", _("Context")


class LinkKind(models.TextChoices):
    ATTRIBUTES = "attributes", _("Attributes")  # attribution -> the claim or denial it attributes
    DENIES = "denies", _("Denies")  # denial -> the claim it denies


class Role(models.TextChoices):
    """What a member does in a project; a member may hold several."""

    ANNOTATOR = "annotator", _("Annotator")
    REVIEWER = "reviewer", _("Reviewer")
    EXPORTER = "exporter", _("Exporter")
    MANAGER = "manager", _("Manager")  # members, assignments and settings


class AssignmentState(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Anchor(models.TextChoices):
    """Where an annotation stands on its article's current text, after corrections."""

    ANCHORED = "anchored", _("Anchored")  # its offsets count into the current revision
    PROPOSED = "proposed", _("Proposed")  # a place on the current text awaits confirmation
    ORPHANED = "orphaned", _("Orphaned")  # nowhere on the current text: select it again or retire


class Origin(models.TextChoices):
    """Whose answer an annotation is: one annotator's, or the article's adjudicated set."""

    ANNOTATOR = "annotator", _("Annotator")
    ADJUDICATION = "adjudication", _("Adjudication")


class FetchReason(models.TextChoices):
    URL = "url", _("Added by URL")
    FEED = "feed", _("From a feed")
    REFETCH = "refetch", _("Re-fetch")


class FetchState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class VerdictStatus(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
