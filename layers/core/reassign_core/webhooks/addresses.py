"""Where a webhook may be sent: the subscriber URL's rules and the address policy (no SSRF).

A URL must be `https://` and its host must resolve only to public addresses; private, loopback,
link-local, multicast, reserved and unspecified addresses are refused, for IPv4 and IPv6, written
as a literal in any spelling a client accepts (`2130706433`, `0177.0.0.1`, `0x7f.1`, `[::1]`,
`[::ffff:127.0.0.1]`) or reached through a name. The same check runs again on every delivery, on
the addresses the connection then uses, so a name that changes its DNS answer is caught too.

Only the local API (`make run`) may allow `http://` and loopback addresses, so that a receiver on
the developer's own machine works; private ranges stay refused even there.

Pure: resolving a name is a function passed in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> every address the name resolves to, as text. Raises OSError when it does not.
Resolve = Callable[[str, int], Sequence[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix: an IPv4 address inside
_HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._")


class UrlRefused(ValueError):
    """The URL is malformed or not allowed; the message says why, without echoing the URL."""


class AddressBlocked(UrlRefused):
    """The host is, or resolves to, an address deliveries must never reach."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked destination: connect to `addresses` (every one allowed), send `host_header`."""

    scheme: str
    host: str  # for TLS (SNI and certificate) and the Host header
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return shown if self.port == default else f"{shown}:{self.port}"


def is_allowed(address: IPAddress, allow_loopback: bool = False) -> bool:
    """A public unicast address (or, when allowed, a loopback one)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None
        )
        if embedded is not None:
            return is_allowed(embedded, allow_loopback)
        if address.is_site_local:  # deprecated fec0::/10, which `is_global` still counts as global
            return False
    if address.is_loopback:
        return allow_loopback
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
    )


def _parse_ipv4_part(part: str) -> int | None:
    """One part of an IPv4 literal as WHATWG URL parsers (and inet_aton) read it: 0x hex, 0 octal."""
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if digits == "":
        return 0
    try:
        return int(digits, base) if digits.isalnum() and digits.isascii() else None
    except ValueError:
        return None


def ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The address a host spelled as a number denotes (`2130706433`, `0177.1`, `0x7f.0.0.1`), or None
    when the host is a name. Raises UrlRefused for a host that ends in a number but is no address."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1] if parts else ""
    if not last or (_parse_ipv4_part(last) is None and not (last.isascii() and last.isdigit())):
        return None  # a name: its last label is not a number
    numbers = [_parse_ipv4_part(p) if p else None for p in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise UrlRefused("host looks like an IP address but is not a valid one")
    values = [n for n in numbers if n is not None]
    if any(v > 255 for v in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise UrlRefused("host looks like an IP address but is not a valid one")
    address = values[-1]
    for index, value in enumerate(values[:-1]):
        address += value << (8 * (3 - index))
    return ipaddress.IPv4Address(address)


def _split(url: str, allow_http: bool) -> tuple[SplitResult, str, int]:
    if not url.isprintable() or any(c.isspace() for c in url):
        raise UrlRefused("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UrlRefused("is not a valid URL") from error
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise UrlRefused("must be an https:// URL" if not allow_http else "must be an http(s):// URL")
    host = parts.hostname or ""
    if not host:
        raise UrlRefused("has no host")
    return parts, host, port or (443 if parts.scheme == "https" else 80)


def _literal(host: str) -> IPAddress | None:
    if ":" in host:  # only an IPv6 literal has colons (urlsplit already removed the brackets)
        try:
            return ipaddress.IPv6Address(host)
        except ValueError as error:
            raise UrlRefused("host is not a valid IPv6 address") from error
    return ipv4_literal(host)


def _ascii_host(host: str) -> str:
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise UrlRefused("host is not a valid name") from error
    if not set(ascii_host) <= _HOST_CHARACTERS:
        raise UrlRefused("host is not a valid name")
    return ascii_host


def check_url(url: str, resolve: Resolve, allow_local: bool = False) -> Target:
    """The URL's destination with every address it resolves to checked, or UrlRefused/AddressBlocked."""
    parts, host, port = _split(url, allow_http=allow_local)
    literal = _literal(host)
    if literal is not None:
        if isinstance(literal, ipaddress.IPv6Address) and literal.scope_id:
            raise AddressBlocked("host is a blocked address")
        addresses: tuple[IPAddress, ...] = (literal,)
        host = str(literal)
    else:
        host = _ascii_host(host)
        try:
            found = resolve(host, port)
        except OSError as error:
            raise UrlRefused("host does not resolve") from error
        try:
            addresses = tuple(dict.fromkeys(ipaddress.ip_address(a.split("%", 1)[0]) for a in found))
        except ValueError as error:
            raise UrlRefused("host does not resolve to an IP address") from error
        if not addresses:
            raise UrlRefused("host does not resolve")
    if not all(is_allowed(a, allow_loopback=allow_local) for a in addresses):
        raise AddressBlocked("host is, or resolves to, a private, loopback or reserved address")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses)
