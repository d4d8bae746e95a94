"""Where webhooks may go: the endpoint URL's shape and the addresses betal refuses to call.

Spec: the webhooks issue, item 6 (safety): in live mode an endpoint is ``https`` and never reaches
loopback, private, link-local or metadata addresses, checked when the endpoint is saved and again when
each delivery is sent (a name may resolve differently later); sandbox mode allows ``http`` and this
machine. RFC 3986 §3 (URI syntax: no ``userinfo`` is accepted, no fragment), RFC 6761 §6.3
(``localhost`` and ``*.localhost`` are this machine), RFC 6890 (special-purpose address registries,
which ``ipaddress.is_global`` follows), RFC 4291 §2.5.5.2 (IPv4-mapped IPv6), RFC 3056 (6to4),
RFC 6052 §2.1 (the NAT64 well-known prefix ``64:ff9b::/96``). Cloud metadata services answer on
``169.254.169.254`` and ``fd00:ec2::254``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from betal.domain.errors import InvalidInput

MAX_URL = 2048
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """The parts of a checked URL a delivery connects to."""

    scheme: str
    host: str  # lower case; an IPv6 literal without brackets
    port: int


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, field="url", code="webhook_endpoint.invalid_url")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def forbidden_address(address: str | IpAddress) -> bool:
    """Whether a live delivery must not connect to ``address``: anything but a global unicast address.

    Loopback, private, link-local, multicast, reserved, unspecified, shared (100.64/10), documentation
    and the metadata addresses are refused. An IPv6 address that carries an IPv4 address (IPv4-mapped,
    6to4, NAT64) is judged by that address. Text that is no address is refused too.
    """
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return forbidden_address(inner)
    return (
        ip in METADATA
        or ip.is_multicast
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _ip(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _check_chars(url: str) -> None:
    if not url:
        raise _refuse("is required")
    if len(url) > MAX_URL:
        raise _refuse(f"must be at most {MAX_URL} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise _refuse("must not contain spaces or control characters")


def check_url(url: str, *, live: bool) -> Target:
    """The endpoint URL's target, or ``InvalidInput`` on ``url`` saying what is wrong.

    Live mode: ``https`` only, and a host that is no forbidden address and not ``localhost``. Sandbox
    mode: ``http`` or ``https`` to any host. Never a user name or password in the URL, nor a fragment.
    """
    _check_chars(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refuse(f"is not a URL ({exc})") from None
    scheme = parts.scheme.lower()
    allowed = ("https",) if live else ("http", "https")
    if scheme not in allowed:
        raise _refuse("must be an https URL" if live else "must be an http or https URL")
    if "@" in parts.netloc:
        raise _refuse("must not carry a user name or password")
    if parts.fragment or "#" in url:
        raise _refuse("must not have a fragment (#...)")
    host = (parts.hostname or "").lower()
    if not host:
        raise _refuse("has no host")
    if live:
        ip = _ip(host)
        if ip is not None and forbidden_address(ip):
            raise _refuse(f"must not point at a loopback, private or metadata address ({host})")
        name = host.rstrip(".")
        if name == "localhost" or name.endswith(".localhost"):
            raise _refuse("must not point at this machine (localhost)")
    return Target(scheme, host, port or (443 if scheme == "https" else 80))
