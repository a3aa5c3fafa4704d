"""Block every network connection except loopback, so a hidden download fails the tests.

Installed in the test process by conftest.py and, through tests/sitecustomize/ on
PYTHONPATH, in every Python subprocess the tests start (the CLI, servers).
"""

from __future__ import annotations

import ipaddress
import socket

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex
_original_getaddrinfo = socket.getaddrinfo


class NetworkBlocked(OSError):
    pass


def _allowed(host) -> bool:
    if not isinstance(host, str):
        return True
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
        return True
    except ValueError:
        return False


def _check(sock, address) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address[0]):
        raise NetworkBlocked(f"network access blocked in tests: {address[0]}:{address[1]}")


def _connect(self, address):
    _check(self, address)
    return _original_connect(self, address)


def _connect_ex(self, address):
    _check(self, address)
    return _original_connect_ex(self, address)


def _getaddrinfo(host, *args, **kwargs):
    if isinstance(host, bytes):
        host = host.decode()
    if host is not None and not _allowed(host) and not _is_ip(host):  # numeric: connect() decides
        raise NetworkBlocked(f"name lookup blocked in tests: {host}")
    return _original_getaddrinfo(host, *args, **kwargs)


def install() -> None:
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.getaddrinfo = _getaddrinfo
