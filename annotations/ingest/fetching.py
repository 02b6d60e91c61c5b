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


Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 prefixes whose last 32 bits are an IPv4 address: IPv4-compatible (deprecated, still
# routed by some stacks), NAT64 well-known and local-use. Mapped, 6to4 and Teredo addresses
# are decoded by the ipaddress module itself.
_LAST_32_BITS_IPV4 = tuple(
    ipaddress.ip_network(n) for n in ("::/96", "64:ff9b::/96", "64:ff9b:1::/48")
)


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n) for n in getattr(settings, "FETCH_ALLOWED_NETWORKS", [])]


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo).

    A packet to such an address reaches (or is translated to) that IPv4 host, so it is as
    internal as the host it carries: [64:ff9b::7f00:1] is 127.0.0.1.
    """
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo  # the relay server and the client behind it
    if any(address in network for network in _LAST_32_BITS_IPV4):
        return (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF),)
    return ()


def is_public(address: Address) -> bool:
    """Whether the workbench may connect to this address: global, or in a network the
    settings allow (FETCH_ALLOWED_NETWORKS); an IPv6 address carrying an IPv4 one is judged
    by the address it carries."""
    if any(address in network for network in _allowed_networks()):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        carried = embedded_ipv4(address)
        if carried:
            return all(is_public(inner) for inner in carried)
    return address.is_global and not address.is_multicast


def internal_literal(url: str) -> str | None:
    """The host of a URL whose host is an IP address that is not public, if it is one.

    Such an address is refused when the URL is given, not later by the worker; a host name is
    checked when it is resolved, at connection time (resolve()).
    """
    try:
        host = urlsplit(url).hostname or ""
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None
    return None if is_public(address) else host


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
    if not addresses or not all(is_public(a) for a in addresses):
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
