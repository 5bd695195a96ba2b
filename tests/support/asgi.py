"""Serve an ASGI app with uvicorn on a free loopback port, in the test's loop or in a thread.

- ``serve_asgi(app)`` (async context manager): the server runs as a task in the *current* event
  loop, so the app shares the test's loop (engines, queues, PTB ``Application``...). Use it from
  async tests; in browser tests it runs in the session loop like everything else there.
- ``ThreadedUvicorn(app)``: the server runs in its own thread and loop, independent of the
  caller's loop scope; usable from sync tests and from fixtures of any loop scope.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import uvicorn
from starlette.types import ASGIApp

from tests.support.services import bound_socket

__all__ = ["ThreadedUvicorn", "serve_asgi"]

Lifespan = Literal["auto", "on", "off"]


def _config(app: ASGIApp, lifespan: Lifespan, **kwargs: Any) -> uvicorn.Config:
    options: dict[str, Any] = {
        "lifespan": lifespan,
        "log_level": "warning",
        "access_log": False,
        # Leave the process' logging config alone (uvicorn's dictConfig would reconfigure it).
        "log_config": None,
        # Importing the websockets implementation emits deprecation warnings we don't need.
        "ws": "none",
        "timeout_graceful_shutdown": 2,
    }
    options.update(kwargs)
    return uvicorn.Config(app, **options)


@contextlib.asynccontextmanager
async def serve_asgi(
    app: ASGIApp,
    *,
    lifespan: Lifespan = "auto",
    startup_timeout: float = 10.0,
    **uvicorn_kwargs: Any,
) -> AsyncIterator[str]:
    """Serve ``app`` in the running loop; yields the base URL, e.g. ``http://127.0.0.1:41234``."""
    sock = bound_socket()
    # Handing uvicorn the bound socket avoids the pick-a-port-then-bind race.
    server = uvicorn.Server(_config(app, lifespan, **uvicorn_kwargs))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped during startup (lifespan failure?)")
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start")
            await asyncio.sleep(0.005)
        port = sock.getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


class ThreadedUvicorn:
    """uvicorn in a daemon thread with its own loop; ``start()``/``stop()`` are blocking."""

    def __init__(self, app: ASGIApp, *, lifespan: Lifespan = "off", **uvicorn_kwargs: Any) -> None:
        self._sock = bound_socket()
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(_config(app, lifespan, **uvicorn_kwargs))
        self.loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="uvicorn-test-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by start()/stop() in the test's thread
            self._error = exc

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.server.serve(sockets=[self._sock])

    def start(self, timeout: float = 10.0) -> ThreadedUvicorn:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"uvicorn thread died: {self._error!r}")
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()
        if self._error is not None:
            raise RuntimeError("uvicorn thread failed") from self._error
