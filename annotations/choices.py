"""The domain's words: labels, review statuses, evidence stances, link kinds, project roles.

They sit below every other module (tables, rules, faces) so any of them can name a status or a
label without importing the tables.
"""

from __future__ import annotations

from django.db import models


class Label(models.TextChoices):
    CLAIM = "claim", "Claim"
    DENIAL = "denial", "Denial"
    ATTRIBUTION = "attribution", "Attribution"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    CONTEXT = "context", "Context"


class LinkKind(models.TextChoices):
    ATTRIBUTES = "attributes", "Attributes"  # attribution -> the claim or denial it attributes
    DENIES = "denies", "Denies"  # denial -> the claim it denies


class Role(models.TextChoices):
    """What a member does in a project; a member may hold several."""

    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    EXPORTER = "exporter", "Exporter"
    MANAGER = "manager", "Manager"  # members, assignments and settings


class AssignmentState(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class Anchor(models.TextChoices):
    """Where an annotation stands on its article's current text, after corrections."""

    ANCHORED = "anchored", "Anchored"  # its offsets count into the current revision
    PROPOSED = "proposed", "Proposed"  # a place on the current text awaits confirmation
    ORPHANED = "orphaned", "Orphaned"  # nowhere on the current text: select it again or retire
