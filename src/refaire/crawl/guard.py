"""Which addresses an outgoing request may reach.

A crawler that fetches any URL it is given is a way into the server's own network (the
database, the cloud metadata service at 169.254.169.254, an admin port on localhost). So
before each request — the first and every redirect — the host is resolved and every
address it resolves to must be public, unless the instance's configuration allows it:
`REFAIRE_CRAWL_ALLOW` lists addresses or networks (`127.0.0.1`, `10.0.0.0/8`), comma
separated; tests allow 127.0.0.1 there explicitly.

What this does not close: a host whose DNS answer changes between this check and httpx's
own resolution (DNS rebinding) within the same second.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Refused(ValueError):
    """The URL may not be fetched; the message says why, for the source's history."""


def allowed_networks(spec: str | None = None) -> list[Network]:
    """The networks of `spec` (default: `$REFAIRE_CRAWL_ALLOW`); a bad entry is an error."""
    text = os.environ.get("REFAIRE_CRAWL_ALLOW", "") if spec is None else spec
    out: list[Network] = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            try:
                out.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise Refused(
                    f"REFAIRE_CRAWL_ALLOW: {item!r} is not an address or network"
                ) from None
    return out


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def check_url(url: str, allow: list[Network] | None = None) -> None:
    """Raise `Refused` unless `url` is http(s) and its host resolves only to addresses that
    are public or explicitly allowed."""
    checked_addresses(url, allow)


def checked_addresses(url: str, allow: list[Network] | None = None) -> list[str]:
    """The addresses `url`'s host resolves to, every one checked as `check_url` does; a
    client that connects to one of them trusts no second DNS answer."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"only http and https URLs are fetched, not {parts.scheme or 'none'}:")
    host = parts.hostname
    if not host:
        raise Refused("the URL names no host")
    networks = allowed_networks() if allow is None else allow
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("the URL's port is not a number from 0 to 65535") from None
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from None
    out = []
    for info in infos:
        text = info[4][0].split("%", 1)[0]
        address = ipaddress.ip_address(text)
        if _is_private(address) and not any(address in net for net in networks):
            raise Refused(
                f"{host} resolves to {address}, a private, loopback or link-local address; "
                "allow it in REFAIRE_CRAWL_ALLOW if this instance may reach it"
            )
        out.append(text)
    if not out:
        raise Refused(f"cannot resolve {host}: no address")
    return out
