"""Service availability policy and small network helpers shared by the real-server fixtures.

The project rule: a test whose real service is missing *fails* in CI (``CI=true``) and *skips*
elsewhere, with a message that says how to install or start the service.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import time
from typing import NoReturn

import pytest

__all__ = [
    "free_port",
    "in_ci",
    "require",
    "require_binary",
    "service_missing",
    "wait_for_port",
]

INSTALL_HINT = "run `sudo scripts/install-system-deps` (Debian/Ubuntu)"


def in_ci() -> bool:
    """True when the suite runs under CI, where a missing service is an error, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def service_missing(how_to_fix: str) -> NoReturn:
    """Fail (CI) or skip (elsewhere) the current test because a real service is unavailable."""
    if in_ci():
        pytest.fail(f"required service unavailable in CI: {how_to_fix}", pytrace=False)
    pytest.skip(f"service unavailable: {how_to_fix}")


def require(condition_or_exc: object, how_to_fix: str) -> None:
    """Continue only if ``condition_or_exc`` is truthy and not an exception.

    Pass a boolean check (``shutil.which("dovecot") is not None``) or the exception caught while
    starting a service; the exception text is appended so the skip/failure says what went wrong.
    """
    if isinstance(condition_or_exc, BaseException):
        exc = condition_or_exc
        service_missing(f"{how_to_fix} ({type(exc).__name__}: {exc})")
    if not condition_or_exc:
        service_missing(how_to_fix)


def require_binary(path_or_name: str, how_to_fix: str = INSTALL_HINT) -> str:
    """Return the executable's full path, or fail/skip with ``how_to_fix``."""
    found = shutil.which(path_or_name)
    require(found is not None, f"`{path_or_name}` not found; {how_to_fix}")
    assert found is not None
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago.

    Racy by nature (another process may grab it before the server binds); prefer handing a bound
    socket to the server when it accepts one, as ``serve_asgi`` does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def bound_socket(host: str = "127.0.0.1") -> socket.socket:
    """A listening-ready socket on a free port, for servers that accept pre-bound sockets."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 0))
    s.set_inheritable(True)
    return s


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    """Block until ``host:port`` accepts TCP connections; raise ``TimeoutError`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")
        time.sleep(0.01)
