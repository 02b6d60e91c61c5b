"""A news page's main text and metadata, by trafilatura (the maintained standard for it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura
from django.utils.translation import gettext as _

MIN_TEXT = 80  # characters: less is a paywall, a video page or an index, not an article


class NothingExtracted(ValueError):
    """A page with no article text in it."""


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    byline: str
    published_on: dt.date | None
    site_name: str
    canonical_url: str


def _canonical(html: str, url: str) -> str:
    """The page's canonical link (or og:url), relative ones resolved: trafilatura keeps only
    absolute ones."""
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    for found in (
        tree.xpath('//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href'),
        tree.xpath('//meta[@property="og:url"]/@content'),
    ):
        if found and found[0].strip():
            return urljoin(url, found[0].strip())[:2000]
    return ""


def extract(html: str, url: str) -> Extracted:
    """The article in a page: its text (paragraphs apart by a blank line), title, byline,
    date, site and canonical URL (the page's own, else where it was found)."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    lines = [line.strip() for line in (document.text or "").splitlines()] if document else []
    lines = [line for line in lines if line]
    title = (document.title or "").strip() if document else ""
    if lines and title and lines[0] == title:
        lines = lines[1:]  # the headline is the title, not the text's first paragraph
    text = "\n\n".join(lines)
    if len(text) < MIN_TEXT:
        raise NothingExtracted(
            _(
                "No article text was found on the page (a paywall, a video or an index page?): "
                "paste its text instead."
            )
        )
    published = None
    if document.date:
        try:
            published = dt.date.fromisoformat(document.date[:10])
        except ValueError:
            published = None
    return Extracted(
        title=(title or (document.hostname or url))[:500],
        text=text,
        byline=(document.author or "")[:300],
        published_on=published,
        site_name=(document.sitename or "")[:200],
        canonical_url=_canonical(html, url) or (document.url or url)[:2000],
    )
