"""Demo content written for this project: two projects, six users, annotations in review.

"Newsroom" is a desk: three articles, one annotator each, assignments, a review in progress.
"Clinic study" is a research project in blind mode with double annotation: two annotators
annotate the same articles independently; one article is adjudicated, the other awaits its
curator.

Loading is idempotent: users, articles and evidence are matched by natural keys, and an article's
demo annotations are created only when it has none yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from annotations.agreement import adjudicating
from annotations.choices import AssignmentState, Label, Role, Stance
from annotations.models import (
    Adjudication,
    Annotation,
    Article,
    Assignment,
    Evidence,
    Membership,
    Project,
)
from annotations.projects import assigning
from annotations.review import workflow
from annotations.revisions import revising
from annotations.spans import anchoring, editing
from annotations.verdicts import verdicting


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    roles: dict[str, tuple[str, ...]]  # project slug -> roles
    is_staff: bool = False
    is_superuser: bool = False


PROJECTS = [
    {
        "slug": "newsroom",
        "name": "Newsroom",
        "description": "The fact-check desk: every article gets one annotator, then review.",
        "guidelines": (
            "# Newsroom guidelines\n\n"
            "- **Claim**: an assertion someone could check: a number, a date, a fact.\n"
            "- **Denial**: someone refuting a claim. Link it to the claim it denies.\n"
            '- **Attribution**: who says it ("the minister said"). Link it to its claim.\n\n'
            "Mark the whole assertion, not a fragment; add evidence with a stance before you "
            "submit."
        ),
        "publisher_name": "Coastal Fact Check (demo)",
        "publisher_url": "https://example.org/factcheck",
    },
    {
        "slug": "clinic-study",
        "name": "Clinic study",
        "description": "A research study: two annotators per article, blind, then agreement.",
        "guidelines": "# Clinic study\n\nAnnotate on your own; you see the other annotator's "
        "work once you mark the article done.",
        "annotators_per_article": 2,
        "blind": True,
    },
]

NEWSROOM, STUDY = "newsroom", "clinic-study"
USERS = [
    DemoUser(
        "annotator1", "annotate-demo-1", {NEWSROOM: (Role.ANNOTATOR,), STUDY: (Role.ANNOTATOR,)}
    ),
    DemoUser(
        "annotator2", "annotate-demo-2", {NEWSROOM: (Role.ANNOTATOR,), STUDY: (Role.ANNOTATOR,)}
    ),
    DemoUser(
        "reviewer1",
        "review-demo-1",
        {NEWSROOM: (Role.REVIEWER,), STUDY: (Role.REVIEWER,)},
        is_staff=True,
    ),
    DemoUser("exporter1", "export-demo-1", {NEWSROOM: (Role.EXPORTER,)}),
    DemoUser(
        "manager1",
        "manage-demo-1",
        {NEWSROOM: (Role.MANAGER,), STUDY: (Role.MANAGER,)},
        is_staff=True,
    ),
    DemoUser("admin", "admin-demo", {}, is_staff=True, is_superuser=True),
]

ARTICLES = [
    {
        "title": "Harbour authority disputes claim that ferry fares will double",
        "publisher": "The Coastal Ledger",
        "byline": "Inès Fàbregas",
        "published_on": dt.date(2026, 3, 14),
        "body": (
            "Ferry fares between Porthallow and the islands will double next spring, "
            "according to a leaked memo seen by The Coastal Ledger 🚢.\n\n"
            "“Fares will rise by 100 per cent from April,” the memo states, citing fuel costs "
            "that have climbed 38% since 2024.\n\n"
            "The harbour authority’s chair, Zoë Pennington, rejected the figure. “No decision "
            "on fares has been taken, and nobody is planning to double them,” she said on "
            "Tuesday.\n\n"
            "Island residents already pay more per mile than mainland commuters, a 2025 "
            "regional transport survey found."
        ),
    },
    {
        "title": "Council says new bike lanes cut cycling injuries by 40%",
        "publisher": "Metro Daily",
        "byline": "José Núñez",
        "published_on": dt.date(2026, 5, 2),
        "body": (
            "Protected bike lanes on Calle Mayor cut cycling injuries by 40% in their first "
            "year, the city council said in a statement on Monday.\n\n"
            "“The numbers speak for themselves 🚲,” said councillor Martín Ibáñez, who "
            "championed the scheme.\n\n"
            "Hospital records released under a freedom-of-information request show 212 "
            "cycling admissions in 2025, against 251 the year before: a fall of about 16%.\n\n"
            "A spokesperson for the cyclists’ union said the council’s figure counted only "
            "collisions reported to the police."
        ),
    },
    {
        "title": "Minister denies report that rural clinics will close",
        "publisher": "Nordic Wire",
        "byline": "Søren Ødegård",
        "published_on": dt.date(2026, 9, 21),
        "body": (
            "Eleven rural health clinics will close by the end of the year, the newspaper "
            "Dagsavisen reported on Friday, quoting an internal ministry plan.\n\n"
            "Health minister Åsa Lindqvist denied the report. “Not a single clinic is on a "
            "closure list,” Lindqvist told reporters in Tromsø.\n\n"
            "The ministry’s own budget proposal, published in August, cuts rural primary-care "
            "funding by 12 per cent."
        ),
    },
]

ARTICLES = [{**spec, "project": NEWSROOM} for spec in ARTICLES]
# The study annotates the clinics story and the bike-lanes story again, independently, twice:
# the first is adjudicated, the second waits for its curator.
ARTICLES.append({**ARTICLES[2], "project": STUDY})
ARTICLES.append({**ARTICLES[1], "project": STUDY})

EVIDENCE = [
    {
        "url": "https://example.org/porthallow-harbour-authority/fares-statement-2026",
        "title": "Statement on ferry fares",
        "publisher": "Porthallow Harbour Authority",
        "excerpt": "No decision on fare levels for 2026–27 has been made.",
    },
    {
        "url": "https://example.org/city-hospital/foi-cycling-admissions-2024-2025",
        "title": "FOI response: cycling admissions 2024–2025",
        "publisher": "City General Hospital",
        "excerpt": "Admissions coded as pedal-cycle injuries: 251 (2024), 212 (2025).",
    },
]


@dataclass
class Step:
    """One demo annotation: found by its quote, then walked through the review workflow."""

    article: int
    author: str
    label: str
    quote: str
    note: str = ""
    transitions: tuple[tuple[str, str, str], ...] = ()  # (transition, username, note)
    evidence: tuple[tuple[int, str], ...] = ()  # (evidence index, stance)
    links_to: tuple[int, ...] = ()  # indexes of earlier steps this one links to


STEPS = [
    Step(
        0,
        "annotator1",
        Label.CLAIM,
        "Ferry fares between Porthallow and the islands will double next spring",
        transitions=(
            ("submit", "annotator1", ""),
            ("approve", "reviewer1", "Clear, checkable claim."),
        ),
    ),
    Step(
        0,
        "annotator1",
        Label.ATTRIBUTION,
        "according to a leaked memo seen by The Coastal Ledger",
        links_to=(0,),
        transitions=(("submit", "annotator1", ""),),
    ),
    Step(
        0,
        "annotator1",
        Label.DENIAL,
        "No decision on fares has been taken, and nobody is planning to double them",
        evidence=((0, Stance.SUPPORTS),),
        links_to=(0,),
        transitions=(("submit", "annotator1", ""),),
    ),
    Step(
        0,
        "annotator2",
        Label.CLAIM,
        "fuel costs that have climbed 38% since 2024",
        note="Check against the regulator's fuel index.",
    ),
    Step(
        1,
        "annotator2",
        Label.CLAIM,
        "cut cycling injuries by 40% in their first year",
        evidence=((1, Stance.REFUTES),),
        transitions=(
            ("submit", "annotator2", ""),
            ("request_changes", "reviewer1", "Span should include the street name."),
        ),
    ),
    Step(
        1,
        "annotator2",
        Label.ATTRIBUTION,
        "the city council said in a statement on Monday",
        links_to=(4,),
    ),
    Step(
        2,
        "annotator1",
        Label.CLAIM,
        "Eleven rural health clinics will close by the end of the year",
        transitions=(
            ("submit", "annotator1", ""),
            ("reject", "reviewer1", "Duplicate of a claim already checked last week."),
        ),
    ),
    Step(2, "annotator1", Label.DENIAL, "Not a single clinic is on a closure list", links_to=(6,)),
    # Clinic study: the same story, annotated by both annotators, each unaware of the other.
    Step(
        3,
        "annotator1",
        Label.CLAIM,
        "Eleven rural health clinics will close by the end of the year",
    ),
    Step(3, "annotator1", Label.DENIAL, "Not a single clinic is on a closure list", links_to=(8,)),
    Step(3, "annotator1", Label.ATTRIBUTION, "Health minister Åsa Lindqvist denied the report"),
    Step(3, "annotator2", Label.CLAIM, "Eleven rural health clinics will close"),
    Step(
        3, "annotator2", Label.DENIAL, "“Not a single clinic is on a closure list,”", links_to=(11,)
    ),
    Step(
        4,
        "annotator1",
        Label.CLAIM,
        "Protected bike lanes on Calle Mayor cut cycling injuries by 40% in their first year",
    ),
    Step(
        4,
        "annotator1",
        Label.ATTRIBUTION,
        "the city council said in a statement on Monday",
        links_to=(13,),
    ),
    Step(
        4, "annotator1", Label.CLAIM, "212 cycling admissions in 2025, against 251 the year before"
    ),
    Step(4, "annotator2", Label.CLAIM, "cut cycling injuries by 40% in their first year"),
    Step(
        4,
        "annotator2",
        Label.ATTRIBUTION,
        "the city council said in a statement on Monday",
        links_to=(16,),
    ),
    Step(
        4, "annotator2", Label.CLAIM, "212 cycling admissions in 2025, against 251 the year before"
    ),
    Step(
        4,
        "annotator2",
        Label.CLAIM,
        "the council’s figure counted only collisions reported to the police",
    ),
]

# (article index, annotator, state, days until due): the desk's work, and the study's, done.
ASSIGNMENTS = [
    (0, "annotator1", AssignmentState.IN_PROGRESS, 2),
    (1, "annotator2", AssignmentState.TODO, 5),
    (2, "annotator1", AssignmentState.DONE, None),
    (3, "annotator1", AssignmentState.DONE, None),
    (3, "annotator2", AssignmentState.DONE, None),
    (4, "annotator1", AssignmentState.DONE, None),
    (4, "annotator2", AssignmentState.DONE, None),
]


def load() -> dict[str, str]:
    """Load the demo data and return the demo log-ins (username -> password)."""
    with transaction.atomic():
        projects = {spec["slug"]: _project(spec) for spec in PROJECTS}
        users = {spec.username: _user(spec, projects) for spec in USERS}
        articles = [_article(spec, projects, users["admin"]) for spec in ARTICLES]
        evidence = [_evidence(spec, projects[NEWSROOM], users["annotator1"]) for spec in EVIDENCE]
        fresh = {a.pk for a in articles if not Annotation.objects.filter(article=a).exists()}
        created: list[Annotation | None] = []
        for step in STEPS:
            article = articles[step.article]
            made = (
                _annotate(step, article, users, evidence, created) if article.pk in fresh else None
            )
            created.append(made)
        for index, username, state, due_in in ASSIGNMENTS:
            _assignment(articles[index], users[username], users["manager1"], state, due_in)
        _correct(articles[0], users["reviewer1"])
        _adjudicate(articles[3], users["reviewer1"])
        if created[0] is not None:
            _publish_verdict(created[0], users)
    return {spec.username: spec.password for spec in USERS}


# The harbour story was corrected after publication: a figure changed under a draft claim.
CORRECTION = ("climbed 38% since 2024", "climbed 36% since 2024")
CORRECTION_NOTE = "correction: fuel costs rose 36%, not 38%"


def _correct(article: Article, reviewer) -> None:
    """Store the correction once (revision 2), so the demo shows a re-anchored article."""
    if article.revision == 1:
        old, new = CORRECTION
        revising.add_revision(
            user=reviewer,
            article=article,
            body=article.body.replace(old, new),
            note=CORRECTION_NOTE,
        )


def _publish_verdict(claim: Annotation, users) -> None:
    """The desk's approved ferry-fares claim, fact-checked and published as ClaimReview."""
    verdict = verdicting.draft(
        user=users["annotator1"],
        claim=claim,
        rating=verdicting.rating_named(claim.project, "False"),
        summary="A leaked memo says ferry fares to the islands will double next spring.",
        claimant="A leaked harbour authority memo",
        claimant_is_organization=True,
        appearance_url="https://example.org/coastal-ledger/ferry-fares-to-double",
        review_url="https://example.org/factcheck/ferry-fares-will-not-double",
    )
    for step, who in (("submit", "annotator1"), ("approve", "reviewer1"), ("publish", "manager1")):
        verdict = verdicting.perform(step, verdict=verdict, user=users[who])


def _adjudicate(article: Article, curator) -> None:
    """Settle the clinics study article once: annotator1's variant wins each disagreement."""
    if Adjudication.objects.filter(article=article).exists():
        return
    adjudication = adjudicating.open_adjudication(user=curator, article=article)
    for cluster in adjudicating.variants(article, adjudication):
        for variant in cluster.variants:
            if variant.decision == "open" and "annotator1" in variant.proposers:
                adjudicating.accept(
                    user=curator, adjudication=adjudication, annotations=variant.annotations
                )
                break
    for cluster in adjudicating.variants(article, adjudication):
        for variant in cluster.variants:
            if variant.decision == "open":
                adjudicating.reject(
                    user=curator, adjudication=adjudication, annotations=variant.annotations
                )
    adjudicating.finish(user=curator, adjudication=adjudication)


def _project(spec: dict) -> Project:
    project, _ = Project.objects.get_or_create(slug=spec["slug"], defaults=spec)
    # The desk project exists before the demo (migrations make it): give it its publisher.
    missing = [
        k for k in ("publisher_name", "publisher_url") if spec.get(k) and not getattr(project, k)
    ]
    for name in missing:
        setattr(project, name, spec[name])
    if missing:
        project.save(update_fields=missing)
    return project


def _user(spec: DemoUser, projects: dict[str, Project]):
    User = get_user_model()
    user, made = User.objects.get_or_create(
        username=spec.username,
        defaults={"is_staff": spec.is_staff, "is_superuser": spec.is_superuser},
    )
    if made:
        user.set_password(spec.password)
        user.save()
    for slug, roles in spec.roles.items():
        for role in roles:
            Membership.objects.get_or_create(project=projects[slug], user=user, role=role)
    return user


def _article(spec: dict, projects: dict[str, Project], creator) -> Article:
    body = anchoring.normalise_body(spec["body"])
    fields = {**spec, "project": projects[spec["project"]]}
    # By title: a demo article may have been corrected since (its text is then revision 2).
    article, _ = Article.objects.get_or_create(
        project=fields["project"],
        title=spec["title"],
        defaults={**fields, "body": body, "created_by": creator},
    )
    return article


def _evidence(spec: dict, project: Project, user) -> Evidence:
    evidence, _ = Evidence.objects.get_or_create(
        project=project,
        url=spec["url"],
        defaults={**spec, "added_by": user, "accessed_on": dt.date(2026, 10, 1)},
    )
    return evidence


def _assignment(article: Article, annotator, manager, state: str, due_in: int | None) -> None:
    """Assign once; a finished assignment's drafts are submitted, as "mark done" does."""
    due_on = dt.date(2026, 12, 1) + dt.timedelta(days=due_in) if due_in is not None else None
    assignment, made = Assignment.objects.get_or_create(
        article=article,
        annotator=annotator,
        defaults={"assigned_by": manager, "due_on": due_on},
    )
    if made and state == AssignmentState.DONE:
        assigning.mark_done(user=annotator, assignment=assignment)
    elif made and state != AssignmentState.TODO:
        Assignment.objects.filter(pk=assignment.pk).update(state=state)


def _annotate(step: Step, article: Article, users, evidence, earlier) -> Annotation:
    author = users[step.author]
    annotation = editing.create_annotation(
        article=article, author=author, label=step.label, quote=step.quote, note=step.note
    )
    for index, stance in step.evidence:
        editing.attach_evidence(
            annotation=annotation, evidence=evidence[index], stance=stance, user=author
        )
    for index in step.links_to:
        editing.add_link(source=annotation, target=earlier[index], user=author)
    for name, username, note in step.transitions:
        annotation = workflow.perform(name, annotation=annotation, user=users[username], note=note)
    return annotation
