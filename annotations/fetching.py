"""Fetching a web page safely: the one place the workbench opens a connection to a URL.

A URL a user hands us could point the server at itself or at the network behind it (SSRF).
So: http(s) only; the host name is resolved here, every address it resolves to must be public
(or inside a network the settings explicitly allow, for tests and intranets), and the
connection goes to the address that was checked (a DNS answer that changes between the check
and the connection cannot move it); each redirect is checked the same way, up to a limit.
Reads are bounded in time and in size, and only the content types asked for are accepted.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from charset_normalizer import from_bytes
from django.conf import settings
from django.utils.translation import gettext as _

USER_AGENT = "FactCheckWorkbench/1.0 (fetches the pages its users add for fact-checking)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class FetchError(Exception):
    """A page that cannot be had; `transient` when trying again later may work."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


@dataclass(frozen=True)
class Page:
    url: str  # where it was asked for
    final_url: str  # where it was found, after redirects
    status: int
    content_type: str
    encoding: str
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n) for n in getattr(settings, "FETCH_ALLOWED_NETWORKS", [])]


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in _allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


def resolve(url: str) -> tuple[str, str, int, str]:
    """Check a URL and pick the address to connect to: (scheme, host, port, address).

    Refuses other schemes, credentials in the URL, and any host with an address that is not
    public: one internal answer among public ones is refused too, since the connection could
    otherwise be steered to it.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(_("Only http and https addresses can be fetched."))
    if parts.username or parts.password:
        raise FetchError(_("An address with a user name or password is not fetched."))
    host = parts.hostname
    if not host:
        raise FetchError(_("The address has no host name."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(_("The address has an invalid port.")) from exc
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            _("%(host)s could not be found.") % {"host": host}, transient=True
        ) from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in answers]
    if not addresses or not all(_public(a) for a in addresses):
        raise FetchError(
            _("%(host)s is an internal address: the workbench fetches public pages only.")
            % {"host": host}
        )
    return parts.scheme, host, port, str(addresses[0])


def _encoding(content_type_header: str, content: bytes) -> str:
    """The declared charset (header, then <meta>), else a detected one, else UTF-8."""
    declared = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type_header, re.I)
    meta = _META_CHARSET.search(content[:4096])
    for candidate in (declared and declared.group(1), meta and meta.group(1).decode("ascii")):
        if candidate:
            try:
                "".encode(candidate)
            except LookupError:
                continue
            return candidate.lower()
    best = from_bytes(content[:200_000]).best()
    return best.encoding if best is not None else "utf-8"


def fetch(url: str, *, accept: tuple[str, ...] = HTML_TYPES) -> Page:
    """GET a page (following checked redirects) and return its body, decoded later."""
    limit = settings.FETCH_MAX_BYTES
    deadline = time.monotonic() + settings.FETCH_TIMEOUT * 3
    timeout = httpx.Timeout(settings.FETCH_TIMEOUT)
    current = url
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _hop in range(settings.FETCH_MAX_REDIRECTS + 1):
            scheme, host, port, address = resolve(current)
            parts = urlsplit(current)
            netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
            pinned = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
            request = client.build_request(
                "GET",
                pinned,
                headers={
                    "Host": parts.netloc.rsplit("@", 1)[-1],
                    "User-Agent": USER_AGENT,
                    "Accept": ", ".join(accept) + ", */*;q=0.1",
                },
                extensions={"sni_hostname": host},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise FetchError(
                    _("%(host)s did not answer in time.") % {"host": host}, transient=True
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchError(
                    _("%(host)s could not be reached: %(why)s") % {"host": host, "why": exc},
                    transient=True,
                ) from exc
            try:
                if response.is_redirect:
                    current = urljoin(current, response.headers.get("location", ""))
                    continue
                return _read(url, current, response, accept, limit, deadline)
            finally:
                response.close()
    raise FetchError(_("Too many redirects."))


def _read(
    url: str,
    final: str,
    response: httpx.Response,
    accept: tuple[str, ...],
    limit: int,
    deadline: float,
) -> Page:
    if response.status_code >= 500 or response.status_code == 429:
        raise FetchError(
            _("The site answered %(status)s; it will be tried again.")
            % {"status": response.status_code},
            transient=True,
        )
    if response.status_code >= 400:
        raise FetchError(_("The site answered %(status)s.") % {"status": response.status_code})
    header = response.headers.get("content-type", "")
    kind = header.split(";")[0].strip().lower()
    if kind not in accept:
        raise FetchError(
            _("The address holds %(kind)s, not a web page.")
            % {"kind": kind or _("no content type")}
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(_("The page is larger than %(mb)s MB.") % {"mb": limit // 1_000_000})
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(
                    _("The page is larger than %(mb)s MB.") % {"mb": limit // 1_000_000}
                )
            if time.monotonic() > deadline:
                raise FetchError(_("The page took too long to arrive."), transient=True)
            chunks.append(chunk)
    except httpx.TimeoutException as exc:
        raise FetchError(_("The page took too long to arrive."), transient=True) from exc
    except httpx.HTTPError as exc:
        raise FetchError(
            _("The page could not be read: %(why)s") % {"why": exc}, transient=True
        ) from exc
    content = b"".join(chunks)
    return Page(url, final, response.status_code, kind, _encoding(header, content), content)
