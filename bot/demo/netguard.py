"""Prove that the demo uses no network: an audit hook that refuses anything but loopback.

:func:`install` adds a :func:`sys.addaudithook` hook (it cannot be removed again, so only the
demo process installs it, when ``IPBOT_DEMO_GUARD_NETWORK=1``). Every ``connect``, ``bind``,
``sendto`` or name lookup whose address is not 127.0.0.0/8, ::1 or ``localhost`` raises
``PermissionError`` in the caller and writes one line starting with :data:`MARK` to stderr.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any

ENV = "IPBOT_DEMO_GUARD_NETWORK"
MARK = "ipbot demo: blocked network access"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
violations: list[str] = []


def is_loopback(host: Any) -> bool:
    if host is None:  # getaddrinfo(None, port): the local wildcard for a server
        return False
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%", 1)[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check(event: str, host: Any, port: Any) -> None:
    if is_loopback(host):
        return
    what = f"{event} {host!r}:{port!r}"
    violations.append(what)
    print(f"{MARK}: {what}", file=sys.stderr, flush=True)
    raise PermissionError(f"{MARK}: {what}")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[-1]
        if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6) and isinstance(
                address, tuple):
            _check(event, address[0], address[1] if len(address) > 1 else None)
    elif event == "socket.getaddrinfo":
        _check(event, args[0], args[1])
    elif event in ("socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
        _check(event, args[0], None)


def install() -> None:
    sys.addaudithook(_hook)


def wanted() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")
