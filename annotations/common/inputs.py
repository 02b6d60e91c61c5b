"""Parsing what people and programs send, strictly: a bad value is named, never a crash.

`str.isdigit()` and `int()` accept more than a decimal number ("²", "٣", " 7", 5,000 digits);
every id, page, cursor and version goes through whole_number() instead.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits only; 19 covers every 64-bit id
MAX_ID = 2**63 - 1


class InputError(ValueError):
    """A value that is not what its parameter takes; `name` is the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def whole_number(raw: str, *, name: str, low: int = 0, high: int = MAX_ID) -> int:
    """Return raw as an int from low to high, or raise InputError naming the parameter."""
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise InputError(name, f"A whole number from {low} to {high}.")
    return int(raw)


def is_id(raw: str) -> bool:
    """Whether raw names a row id at all (admin URLs and path segments)."""
    return bool(_DIGITS.fullmatch(raw)) and 1 <= int(raw) <= MAX_ID


_URI_SAFE = "!$&'()*+,;=:@/?-._~"  # reserved and unreserved characters a URI keeps as they are
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
DEFAULT_PORTS = {"http": 80, "https": 443}


def _encode(part: str) -> str:
    """Percent-encode what a URI may not hold (spaces, quotes, <>, non-ASCII as UTF-8)."""
    return quote(_BAD_PERCENT.sub("%25", part), safe=_URI_SAFE + "%")


def normalise_url(url: str) -> str:
    """Return url as a valid URI: scheme and host lower-cased, the host in IDNA (punycode),
    the default port dropped, everything else percent-encoded as RFC 3986 requires.

    Every export writes these URLs into JSON-LD, CSV and HTML links, where an unencoded space
    or quote breaks the consumer; and one source must have one spelling to be stored once.
    A URL that cannot be split is returned as given, for the validators to refuse.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return url
    scheme = parts.scheme.lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username is not None:
        userinfo = _encode(parts.username)
        if parts.password is not None:
            userinfo += ":" + _encode(parts.password)
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit(
        (scheme, netloc, _encode(parts.path), _encode(parts.query), _encode(parts.fragment))
    )
