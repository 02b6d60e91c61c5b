"""A verdict as schema.org ClaimReview (JSON-LD), the embeddable snippet, and Google Fact Check
Tools' ClaimReviewMarkupPage. Built from the verdict's fields alone: it imports no tables.

Every property used is schema.org's, checked offline against release 30.0 by the tests
(../shared/conformance/validate_schemaorg.py), plus what Google requires of a ClaimReview:
claimReviewed, reviewRating with alternateName, itemReviewed as a Claim with author and
appearance, url, author and datePublished.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA = "https://schema.org"


def organization(project: Any) -> dict[str, Any]:
    """The publishing organisation: the review's author and publisher."""
    org: dict[str, Any] = {
        "@type": "Organization",
        "name": project.publisher_name,
        "url": project.publisher_url,
    }
    if project.publisher_logo_url:
        org["logo"] = {"@type": "ImageObject", "url": project.publisher_logo_url}
    return org


def scale(ratings: list[Any]) -> tuple[int | None, int | None]:
    """(best, worst) of a project's ratings: the highest and lowest values on the scale."""
    values = [r.value for r in ratings if r.value is not None]
    return (max(values), min(values)) if values else (None, None)


def rating(verdict: Any, ratings: list[Any]) -> dict[str, Any]:
    best, worst = scale(ratings)
    found: dict[str, Any] = {"@type": "Rating", "alternateName": verdict.rating.name}
    if verdict.rating.value is not None:
        found["ratingValue"] = verdict.rating.value
    if best is not None:
        found |= {"bestRating": best, "worstRating": worst}
    return found


def claim_review(verdict: Any, ratings: list[Any]) -> dict[str, Any]:
    """The ClaimReview document of a verdict (its project, rating and claim's article loaded)."""
    appearance = {"@type": "CreativeWork", "url": verdict.appearance_url}
    claim: dict[str, Any] = {
        "@type": "Claim",
        "author": {
            "@type": "Organization" if verdict.claimant_is_organization else "Person",
            "name": verdict.claimant,
        },
        "appearance": appearance,
        "firstAppearance": appearance,
    }
    if verdict.claim_date:
        claim["datePublished"] = verdict.claim_date.isoformat()
    org = organization(verdict.project)
    document: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "ClaimReview",
        "url": verdict.review_url,
        "claimReviewed": verdict.summary,
        "itemReviewed": claim,
        "reviewRating": rating(verdict, ratings),
        "author": org,
        "publisher": org,
    }
    if verdict.published_at:
        document["datePublished"] = verdict.published_at.date().isoformat()
    if verdict.modified_at:
        document["dateModified"] = verdict.modified_at.isoformat()
    return document


def data_feed(name: str, reviews: list[dict[str, Any]], modified: str | None) -> dict[str, Any]:
    """A page of a project's published ClaimReviews, as a schema.org DataFeed."""
    feed: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "DataFeed",
        "name": name,
        "dataFeedElement": [{k: v for k, v in r.items() if k != "@context"} for r in reviews],
    }
    if modified:
        feed["dateModified"] = modified
    return feed


# Inside a <script>, "</script" ends the element and "<!--<script" makes the host page's parser
# swallow what follows; JSON reads these escapes back as the same characters.
SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def embed(document: dict[str, Any]) -> str:
    """The <script> to paste into the fact-check article's HTML, with `<`, `>` and `&` escaped
    in the JSON so that no summary can close the element, open a comment or start a script in
    the page that embeds it."""
    text = json.dumps(document, ensure_ascii=False, indent=2).translate(SCRIPT_SAFE)
    return f'<script type="application/ld+json">\n{text}\n</script>'


def markup_page(verdict: Any, ratings: list[Any]) -> dict[str, Any]:
    """Google Fact Check Tools' ClaimReviewMarkupPage, for publishers who push their
    fact-checks through its API (pages.create) instead of embedding the markup."""
    best, worst = scale(ratings)
    rating_json: dict[str, Any] = {"textualRating": verdict.rating.name}
    if verdict.rating.value is not None:
        rating_json["ratingValue"] = verdict.rating.value
    if best is not None:
        rating_json |= {"bestRating": best, "worstRating": worst}
    markup: dict[str, Any] = {
        "claimReviewed": verdict.summary,
        "claimAuthor": {"name": verdict.claimant},
        "claimFirstAppearance": verdict.appearance_url,
        "claimAppearances": [verdict.appearance_url],
        "rating": rating_json,
        "url": verdict.review_url,
    }
    if verdict.claim_date:
        markup["claimDate"] = verdict.claim_date.isoformat()
    author: dict[str, Any] = {"name": verdict.project.publisher_name}
    if verdict.project.publisher_logo_url:
        author["imageUrl"] = verdict.project.publisher_logo_url
    page: dict[str, Any] = {
        "pageUrl": verdict.review_url,
        "claimReviewAuthor": author,
        "claimReviewMarkups": [markup],
    }
    if verdict.published_at:
        page["publishDate"] = verdict.published_at.date().isoformat()
    return page
