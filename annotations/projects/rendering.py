"""Markdown written by managers (project guidelines), rendered to HTML that is safe to show.

markdown-it-py parses CommonMark with raw HTML off; nh3 (the Ammonia sanitiser) then keeps only
the tags and attributes below, so neither a pasted <script> nor a javascript: link survives.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def markdown_to_html(text: str) -> str:
    """Return sanitised HTML for Markdown text (links open safely, no scripts or styles run)."""
    return nh3.clean(
        _PARSER.render(text),
        tags=TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
