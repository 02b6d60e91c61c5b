"""Everything the workbench holds, out to one JSON Lines file and back into an empty database.

Each line is one record: {"type": ..., ...}. Records name users by username and each other by
keys local to the file (their order in it), so a file loads into any database. The first line
says the format's version; the last ("end") counts the records of each kind and carries the
SHA-256 of every line before it, so a file cut short or altered is refused, not half-loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from annotations.models import (
    Adjudication,
    Annotation,
    AnnotationLink,
    Article,
    ArticleRevision,
    Assignment,
    Evidence,
    EvidenceLink,
    Membership,
    Project,
    Rating,
    ReviewEvent,
    Verdict,
    VerdictCorrection,
    VerdictEvent,
)
from annotations.projects.membership import SETTINGS
from annotations.spans import anchoring, shape

PROJECT_FIELDS = ["slug", *SETTINGS]
VERDICT_TEXT = [
    "summary",
    "claimant",
    "claimant_is_organization",
    "appearance_url",
    "review_url",
    "status",
    "version",
]
VERDICT_TIMES = [
    "claim_date",
    "created_at",
    "updated_at",
    "published_at",
    "modified_at",
    "retracted_at",
]
REANCHOR_COUNTS = ["mapped", "found", "proposed", "orphaned"]
LEGACY_GROUP_ROLES = {"Annotators": "annotator", "Reviewers": "reviewer", "Exporters": "exporter"}
FORMAT = "fact-check-workbench/2"
LEGACY_FORMAT = "fact-check-workbench/1"  # no closing record: loaded only when asked to
CHUNK = 2000


class TransferError(Exception):
    """A file that cannot be imported; nothing of it was stored."""


def _when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def _records() -> Iterator[dict[str, Any]]:
    User = get_user_model()
    yield {"type": "format", "format": FORMAT}
    users = User.objects.order_by("id").prefetch_related("groups")
    for user in users.iterator(chunk_size=CHUNK):
        yield {
            "type": "user",
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "password": user.password,  # the hash, so people keep their log-ins
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "date_joined": _when(user.date_joined),
            "groups": sorted(g.name for g in user.groups.all()),
        }
    keys: dict[str, dict[int, int]] = {
        "project": {},
        "article": {},
        "evidence": {},
        "annotation": {},
    }

    def key(kind: str, pk: int) -> int:
        return keys[kind].setdefault(pk, len(keys[kind]) + 1)

    for project in Project.objects.order_by("id").iterator(chunk_size=CHUNK):
        yield {
            "type": "project",
            "key": key("project", project.pk),
            **{name: getattr(project, name) for name in PROJECT_FIELDS},
            "created_at": _when(project.created_at),
        }
    memberships = Membership.objects.order_by("id").select_related("user")
    for membership in memberships.iterator(chunk_size=CHUNK):
        yield {
            "type": "membership",
            "project": keys["project"][membership.project_id],
            "user": membership.user.get_username(),
            "role": membership.role,
            "created_at": _when(membership.created_at),
        }

    articles = Article.objects.order_by("id").select_related("created_by")
    for article in articles.iterator(chunk_size=CHUNK):
        yield {
            "type": "article",
            "key": key("article", article.pk),
            "project": keys["project"][article.project_id],
            "title": article.title,
            "publisher": article.publisher,
            "byline": article.byline,
            "source_url": article.source_url,
            "published_on": _when(article.published_on),
            "body": article.body,
            "revision": article.revision,
            "unblinded_at": _when(article.unblinded_at),
            "created_by": article.created_by.username if article.created_by else None,
            "created_at": _when(article.created_at),
            "updated_at": _when(article.updated_at),
        }
    revisions = ArticleRevision.objects.order_by("article_id", "number").select_related(
        "created_by"
    )
    for revision in revisions.iterator(chunk_size=CHUNK):
        yield {
            "type": "revision",
            "article": keys["article"][revision.article_id],
            "number": revision.number,
            "body": revision.body,
            "note": revision.note,
            "created_by": _username(revision.created_by),
            "created_at": _when(revision.created_at),
            **{name: getattr(revision, name) for name in REANCHOR_COUNTS},
        }
    for evidence in Evidence.objects.order_by("id").select_related("added_by").iterator(CHUNK):
        yield {
            "type": "evidence",
            "key": key("evidence", evidence.pk),
            "project": keys["project"][evidence.project_id],
            "url": evidence.url,
            "title": evidence.title,
            "publisher": evidence.publisher,
            "excerpt": evidence.excerpt,
            "accessed_on": _when(evidence.accessed_on),
            "added_by": evidence.added_by.username if evidence.added_by else None,
            "created_at": _when(evidence.created_at),
        }
    sources: dict[int, list[int]] = {}
    for adjudicated, source in Annotation.derived_from.through.objects.values_list(
        "from_annotation_id", "to_annotation_id"
    ):
        sources.setdefault(adjudicated, []).append(source)
    annotations = Annotation.objects.order_by("id").select_related(*shape.names("user"))
    for a in annotations.iterator(chunk_size=CHUNK):
        yield {
            "type": "annotation",
            "key": key("annotation", a.pk),
            "article": keys["article"][a.article_id],
            **{name: getattr(a, name) for name in shape.names("text", "number")},
            **{name: _username(getattr(a, name)) for name in shape.names("user")},
            **{name: _when(getattr(a, name)) for name in shape.names("time")},
            "version": a.version,
            "anchor": a.anchor,
            "proposed_start": a.proposed_start,
            "proposed_end": a.proposed_end,
            "derived_from": sorted(keys["annotation"][pk] for pk in sources.get(a.pk, [])),
        }
    links = EvidenceLink.objects.order_by("id").select_related("added_by")
    for link in links.iterator(chunk_size=CHUNK):
        yield {
            "type": "evidence_link",
            "annotation": keys["annotation"][link.annotation_id],
            "evidence": keys["evidence"][link.evidence_id],
            "stance": link.stance,
            "note": link.note,
            "added_by": link.added_by.username if link.added_by else None,
            "created_at": _when(link.created_at),
        }
    for link in AnnotationLink.objects.order_by("id").select_related("created_by").iterator(CHUNK):
        yield {
            "type": "link",
            "source": keys["annotation"][link.source_id],
            "target": keys["annotation"][link.target_id],
            "kind": link.kind,
            "created_by": link.created_by.username if link.created_by else None,
            "created_at": _when(link.created_at),
        }
    events = ReviewEvent.objects.order_by("id").select_related("actor")
    for event in events.iterator(chunk_size=CHUNK):
        yield {
            "type": "review_event",
            "annotation": keys["annotation"][event.annotation_id],
            "actor": event.actor.username,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
            "created_at": _when(event.created_at),
        }

    assignments = Assignment.objects.order_by("id").select_related("annotator", "assigned_by")
    for assignment in assignments.iterator(chunk_size=CHUNK):
        yield {
            "type": "assignment",
            "article": keys["article"][assignment.article_id],
            "annotator": assignment.annotator.get_username(),
            "state": assignment.state,
            "due_on": _when(assignment.due_on),
            "assigned_by": _username(assignment.assigned_by),
            "created_at": _when(assignment.created_at),
            "done_at": _when(assignment.done_at),
        }
    for rating in Rating.objects.order_by("id").iterator(chunk_size=CHUNK):
        yield {
            "type": "rating",
            "project": keys["project"][rating.project_id],
            "name": rating.name,
            "value": rating.value,
            "description": rating.description,
        }
    verdicts = Verdict.objects.order_by("id").select_related("rating", "author", "approved_by")
    verdict_keys: dict[int, int] = {}
    for verdict in verdicts.iterator(chunk_size=CHUNK):
        verdict_keys[verdict.pk] = len(verdict_keys) + 1
        yield {
            "type": "verdict",
            "key": verdict_keys[verdict.pk],
            "claim": keys["annotation"][verdict.claim_id],
            "rating": verdict.rating.name,
            **{name: getattr(verdict, name) for name in VERDICT_TEXT},
            **{name: _when(getattr(verdict, name)) for name in VERDICT_TIMES},
            "author": verdict.author.get_username(),
            "approved_by": _username(verdict.approved_by),
        }
    events = VerdictEvent.objects.order_by("id").select_related("actor")
    for event in events.iterator(chunk_size=CHUNK):
        yield {
            "type": "verdict_event",
            "verdict": verdict_keys[event.verdict_id],
            "actor": event.actor.get_username(),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
            "created_at": _when(event.created_at),
        }
    corrections = VerdictCorrection.objects.order_by("id").select_related(
        "proposed_by", "decided_by"
    )
    for correction in corrections.iterator(chunk_size=CHUNK):
        yield {
            "type": "verdict_correction",
            "verdict": verdict_keys[correction.verdict_id],
            "changes": correction.changes,
            "note": correction.note,
            "status": correction.status,
            "proposed_by": correction.proposed_by.get_username(),
            "proposed_at": _when(correction.proposed_at),
            "decided_by": _username(correction.decided_by),
            "decided_at": _when(correction.decided_at),
            "decision_note": correction.decision_note,
        }
    adjudications = Adjudication.objects.order_by("id").select_related("curator")
    for adjudication in adjudications.prefetch_related("rejected").iterator(chunk_size=CHUNK):
        yield {
            "type": "adjudication",
            "article": keys["article"][adjudication.article_id],
            "curator": adjudication.curator.get_username(),
            "curator_annotated": adjudication.curator_annotated,
            "rejected": sorted(keys["annotation"][a.pk] for a in adjudication.rejected.all()),
            "started_at": _when(adjudication.started_at),
            "finished_at": _when(adjudication.finished_at),
        }


def _line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False) + "\n"


def export_all(out: TextIO) -> int:
    """Write every record as one JSON line, then the closing record; return how many lines."""
    digest = hashlib.sha256()
    counts: Counter[str] = Counter()
    for item in _records():
        line = _line(item)
        out.write(line)
        digest.update(line.encode("utf-8"))
        counts[item["type"]] += 1
    del counts["format"]
    out.write(_line({"type": "end", "counts": dict(counts), "sha256": digest.hexdigest()}))
    return counts.total() + 2


ORDER = [
    "format",
    "user",
    "project",
    "membership",
    "article",
    "revision",
    "evidence",
    "annotation",
    "evidence_link",
    "link",
    "review_event",
    "assignment",
    "rating",
    "verdict",
    "verdict_event",
    "verdict_correction",
    "adjudication",
    "end",
]


def import_all(path: Path, *, unverified: bool = False) -> dict[str, int]:
    """Load a file written by export_all into a database that holds no articles or users' work.

    One transaction: a bad line names itself and leaves the database as it was. The file must
    end with its closing record, whose counts and checksum must agree with what came before;
    only a file of the previous format (which had none) may be loaded without, if `unverified`.
    """
    if Article.objects.exists() or Annotation.objects.exists() or Evidence.objects.exists():
        raise TransferError(
            "the database already holds articles or evidence: import into an empty one"
        )
    loader = _Loader(unverified=unverified)
    digest = hashlib.sha256()
    number = 0
    with transaction.atomic(), path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TransferError(
                    f"{path}:{number}: not valid UTF-8 (byte {exc.start + 1} of the line)"
                ) from exc
            if not line.strip():
                continue
            try:
                loader.add(json.loads(line), checksum=digest.hexdigest())
            except TransferError as exc:
                raise TransferError(f"{path}:{number}: {exc}") from exc
            except ValidationError as exc:
                raise TransferError(f"{path}:{number}: {_named(exc)}") from exc
            except (ValueError, KeyError, TypeError) as exc:
                raise TransferError(f"{path}:{number}: {type(exc).__name__}: {exc}") from exc
            digest.update(raw)
        try:
            loader.finish()
        except TransferError as exc:
            raise TransferError(f"{path}:{number}: {exc}") from exc
    return loader.counts


def _named(exc: ValidationError) -> str:
    """A validation failure as `field: reason`, so a damaged record says which field it is."""
    if not hasattr(exc, "error_dict"):
        return "; ".join(exc.messages)
    return "; ".join(
        f"{field}: {message}" if field != NON_FIELD_ERRORS else message
        for field, messages in exc.message_dict.items()
        for message in messages
    )


class _Record(dict):
    """A record as read from its line: a field it lacks is named, not a bare KeyError."""

    def __missing__(self, name: str) -> Any:
        raise TransferError(f"the {self.get('type')} record has no {name!r} field")


class _Loader:
    def __init__(self, *, unverified: bool) -> None:
        self.unverified = unverified
        self.format: str | None = None
        self.ended = False
        self.users: dict[str, Any] = {}
        self.article_projects: dict[int, int] = {}
        self.keys: dict[str, dict[int, int]] = {
            "project": {},
            "article": {},
            "evidence": {},
            "annotation": {},
            "verdict": {},
        }
        self.counts: dict[str, int] = {}
        self.stage = 0
        self.updated: list[tuple[type, int, str]] = []

    def add(self, item: dict[str, Any], *, checksum: str) -> None:
        """Load one record; `checksum` is the SHA-256 of every line before it."""
        kind = item.get("type") if isinstance(item, dict) else None
        if self.ended:
            raise TransferError("a record after the closing record")
        if kind not in ORDER:
            raise TransferError(f"unknown record type {kind!r}")
        if self.format is None and kind != "format":
            raise TransferError("the file does not start with its format record")
        if ORDER.index(kind) < self.stage:
            raise TransferError(f"a {kind} record after the {ORDER[self.stage]} records")
        self.stage = ORDER.index(kind)
        if kind == "format":
            self._format(item)
        elif kind == "end":
            self._end(item, checksum)
            return
        else:
            getattr(self, f"_{kind}")(_Record(item))
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def _format(self, item: dict[str, Any]) -> None:
        given = item.get("format")
        if given == LEGACY_FORMAT and not self.unverified:
            raise TransferError(
                f"format {given!r} has no closing record to check the file against; "
                "load it with --unverified if you trust it is whole"
            )
        if given not in (FORMAT, LEGACY_FORMAT):
            raise TransferError(f"format {given!r} is not {FORMAT!r}")
        self.format = given

    def _end(self, item: dict[str, Any], checksum: str) -> None:
        counts = {kind: n for kind, n in self.counts.items() if kind != "format"}
        if item.get("counts") != counts:
            raise TransferError(
                f"the closing record counts {item.get('counts')}, the file holds {counts}: "
                "records are missing or added"
            )
        if item.get("sha256") != checksum:
            raise TransferError("the checksum does not match: the file was changed or damaged")
        self.ended = True

    def _user(self, item: dict[str, Any]) -> None:
        User = get_user_model()
        fields = {
            k: item[k]
            for k in (
                "email",
                "first_name",
                "last_name",
                "password",
                "is_active",
                "is_staff",
                "is_superuser",
            )
        }
        user, _ = User.objects.update_or_create(
            username=item["username"],
            defaults={**fields, "date_joined": dt.datetime.fromisoformat(item["date_joined"])},
        )
        user.groups.set(Group.objects.filter(name__in=item["groups"]))
        if self.format == LEGACY_FORMAT:  # before projects, the groups were the roles
            for group in item["groups"]:
                if group in LEGACY_GROUP_ROLES:
                    Membership.objects.get_or_create(
                        project=self._legacy_project(), user=user, role=LEGACY_GROUP_ROLES[group]
                    )
        self.users[user.username] = user

    def _user_named(self, username: str | None):
        if username is None:
            return None
        if username not in self.users:
            raise TransferError(f"unknown user {username!r}")
        return self.users[username]

    def _key(self, kind: str, key: int) -> int:
        if key not in self.keys[kind]:
            raise TransferError(f"no {kind} with key {key} earlier in the file")
        return self.keys[kind][key]

    def _save(self, obj, kind: str | None, key: int | None, updated_at: str | None = None) -> None:
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
        if kind:
            self.keys[kind][key] = obj.pk
        if updated_at:
            self.updated.append((type(obj), obj.pk, updated_at))

    def _project_of(self, item: dict[str, Any]) -> int:
        if self.format == LEGACY_FORMAT:
            return self._legacy_project().pk
        return self._key("project", item["project"])

    def _legacy_project(self) -> Project:
        """Where a file from before projects lands: one project, as the upgrade does."""
        project, _ = Project.objects.get_or_create(slug="newsroom", defaults={"name": "Newsroom"})
        return project

    def _project(self, item: dict[str, Any]) -> None:
        # An empty database still has the project its migrations made: fill that one in.
        project = Project.objects.filter(slug=item["slug"]).first() or Project()
        for name in PROJECT_FIELDS:  # a setting newer than the file keeps its default
            setattr(project, name, item.get(name, getattr(project, name)))
        project.created_at = item["created_at"]
        self._save(project, "project", item["key"])

    def _membership(self, item: dict[str, Any]) -> None:
        Membership.objects.update_or_create(
            project_id=self._key("project", item["project"]),
            user=self._user_named(item["user"]),
            role=item["role"],
            defaults={"created_at": item["created_at"]},
        )

    def _assignment(self, item: dict[str, Any]) -> None:
        assignment = Assignment(
            article_id=self._key("article", item["article"]),
            annotator=self._user_named(item["annotator"]),
            state=item["state"],
            due_on=item["due_on"],
            assigned_by=self._user_named(item["assigned_by"]),
            created_at=item["created_at"],
            done_at=item["done_at"],
        )
        self._save(assignment, None, None)

    def _article(self, item: dict[str, Any]) -> None:
        project_id = self._project_of(item)
        article = Article(
            project_id=project_id,
            revision=item.get("revision", 1),
            unblinded_at=item.get("unblinded_at"),
            title=item["title"],
            publisher=item["publisher"],
            byline=item["byline"],
            source_url=item["source_url"],
            published_on=item["published_on"],
            body=item["body"],
            created_by=self._user_named(item["created_by"]),
            created_at=item["created_at"],
        )
        self._save(article, "article", item["key"], item["updated_at"])
        self.article_projects[article.pk] = project_id

    def _revision(self, item: dict[str, Any]) -> None:
        # Saving the article stored its current revision; fill that one in, add the others.
        article_id = self._key("article", item["article"])
        revision = ArticleRevision.objects.filter(
            article_id=article_id, number=item["number"]
        ).first() or ArticleRevision(article_id=article_id, number=item["number"])
        revision.body = anchoring.normalise_body(item["body"])
        revision.body_hash = anchoring.body_hash(revision.body)
        revision.note = item["note"]
        revision.created_by = self._user_named(item["created_by"])
        revision.created_at = item["created_at"]
        for name in REANCHOR_COUNTS:
            setattr(revision, name, item[name])
        self._save(revision, None, None)

    def _evidence(self, item: dict[str, Any]) -> None:
        evidence = Evidence(
            project_id=self._project_of(item),
            url=item["url"],
            title=item["title"],
            publisher=item["publisher"],
            excerpt=item["excerpt"],
            accessed_on=item["accessed_on"],
            added_by=self._user_named(item["added_by"]),
            created_at=item["created_at"],
        )
        self._save(evidence, "evidence", item["key"])

    def _annotation(self, item: dict[str, Any]) -> None:
        stored = [*shape.names("text", "number", "time"), "version"]
        # Files from before revisions hold none of these: everything was on revision 1.
        later = {"revision": 1, "anchor": "anchored", "proposed_start": None, "proposed_end": None}
        later |= {"origin": "annotator", "proposed_by": ""}  # nor these, before adjudication
        article_id = self._key("article", item["article"])
        annotation = Annotation(
            article_id=article_id,
            project_id=self.article_projects[article_id],
            **{name: self._user_named(item[name]) for name in shape.names("user")},
            **{
                name: item.get(name, later.get(name))
                for name in [*stored, *later]
                if name != "updated_at"  # see finish()
            },
        )
        self._save(annotation, "annotation", item["key"], item["updated_at"])
        if item.get("derived_from"):
            annotation.derived_from.set(
                [self._key("annotation", key) for key in item["derived_from"]]
            )

    def _evidence_link(self, item: dict[str, Any]) -> None:
        link = EvidenceLink(
            annotation_id=self._key("annotation", item["annotation"]),
            evidence_id=self._key("evidence", item["evidence"]),
            stance=item["stance"],
            note=item["note"],
            added_by=self._user_named(item["added_by"]),
            created_at=item["created_at"],
        )
        self._save(link, None, None)

    def _link(self, item: dict[str, Any]) -> None:
        link = AnnotationLink(
            source_id=self._key("annotation", item["source"]),
            target_id=self._key("annotation", item["target"]),
            kind=item["kind"],
            created_by=self._user_named(item["created_by"]),
            created_at=item["created_at"],
        )
        self._save(link, None, None)

    def _rating(self, item: dict[str, Any]) -> None:
        Rating.objects.update_or_create(
            project_id=self._key("project", item["project"]),
            name=item["name"],
            defaults={"value": item["value"], "description": item["description"]},
        )

    def _verdict(self, item: dict[str, Any]) -> None:
        claim_id = self._key("annotation", item["claim"])
        project_id = Annotation.objects.values_list("project_id", flat=True).get(pk=claim_id)
        verdict = Verdict(
            project_id=project_id,
            claim_id=claim_id,
            rating=Rating.objects.get(project_id=project_id, name=item["rating"]),
            author=self._user_named(item["author"]),
            approved_by=self._user_named(item["approved_by"]),
            **{name: item[name] for name in VERDICT_TEXT},
            **{name: item[name] for name in VERDICT_TIMES if name != "updated_at"},
        )
        self._save(verdict, "verdict", item["key"], item["updated_at"])

    def _verdict_event(self, item: dict[str, Any]) -> None:
        event = VerdictEvent(
            verdict_id=self._key("verdict", item["verdict"]),
            actor=self._user_named(item["actor"]),
            from_status=item["from_status"],
            to_status=item["to_status"],
            note=item["note"],
            created_at=item["created_at"],
        )
        self._save(event, None, None)

    def _verdict_correction(self, item: dict[str, Any]) -> None:
        correction = VerdictCorrection(
            verdict_id=self._key("verdict", item["verdict"]),
            changes=item["changes"],
            note=item["note"],
            status=item["status"],
            proposed_by=self._user_named(item["proposed_by"]),
            proposed_at=item["proposed_at"],
            decided_by=self._user_named(item["decided_by"]),
            decided_at=item["decided_at"],
            decision_note=item["decision_note"],
        )
        self._save(correction, None, None)

    def _adjudication(self, item: dict[str, Any]) -> None:
        article_id = self._key("article", item["article"])
        adjudication = Adjudication(
            article_id=article_id,
            project_id=self.article_projects[article_id],
            curator=self._user_named(item["curator"]),
            curator_annotated=item["curator_annotated"],
            started_at=item["started_at"],
            finished_at=item["finished_at"],
        )
        self._save(adjudication, None, None)
        adjudication.rejected.set([self._key("annotation", key) for key in item["rejected"]])

    def _review_event(self, item: dict[str, Any]) -> None:
        event = ReviewEvent(
            annotation_id=self._key("annotation", item["annotation"]),
            actor=self._user_named(item["actor"]),
            from_status=item["from_status"],
            to_status=item["to_status"],
            note=item["note"],
            created_at=item["created_at"],
        )
        self._save(event, None, None)

    def finish(self) -> None:
        if not self.ended and self.format != LEGACY_FORMAT:
            raise TransferError(
                "the file ends without its closing record: it was cut short, and nothing of it "
                "is imported"
            )
        # auto_now stamps every save; put back the times the file recorded.
        for model, pk, updated_at in self.updated:
            model.objects.filter(pk=pk).update(updated_at=updated_at)
