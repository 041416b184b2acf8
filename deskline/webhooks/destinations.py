"""Where a webhook may be delivered. Server-side request forgery is the classic helpdesk
hole: a URL naming the helpdesk's own machine, its network or a cloud's metadata address
would let an admin's (or an intruder's) webhook reach what only the server can reach. So
loopback, private, link-local, shared, multicast, reserved and unspecified addresses are
refused unless the endpoint allows private destinations.

The name is resolved once per delivery and the request goes to the address checked (the
Host header and TLS name kept), so a DNS answer that changes between the check and the
connection (rebinding) cannot redirect it."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]


class Forbidden(Exception):
    """A destination the endpoint may not reach; refused for good."""


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                 or ip.is_link_local or ip.is_private or ip.is_unspecified)


def literal_problem(url: str) -> str | None:
    """Why a URL's host is plainly not public (an address literal or `localhost`), without
    asking DNS: what registration can tell at once. None: nothing seen."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is this machine"
    try:
        public = is_public(host)
    except ValueError:
        return None  # a name: checked when delivering
    return None if public else f"{host} is not a public address"


def pin(url: str, allow_private: bool, resolve: Resolver | None = None
        ) -> tuple[str, str, str]:
    """(URL with the host replaced by the address checked, the Host header, the TLS
    server name). Raises Forbidden, or OSError when the name does not resolve."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        addresses = (resolve or _resolve)(host, port)
    if not addresses:
        raise OSError(f"{host} has no address")
    if not allow_private:
        bad = [a for a in addresses if not is_public(a)]
        if bad:
            raise Forbidden(f"{host} resolves to {bad[0]}, not a public address; allow "
                            "private destinations for this endpoint to deliver there")
    address = addresses[0]
    shown = f"[{address}]" if ":" in address else address
    netloc = shown if parts.port is None else f"{shown}:{parts.port}"
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=netloc).geturl(), host_header, host
