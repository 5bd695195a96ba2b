"""A password link's secret is in its path (/reset/<token>): the web server's access log, as
`helpdesk serve` configures it, records that the page was opened but not the secret."""

from __future__ import annotations

import logging

import httpx

from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.serving import redact_access_log
from tests.support.asgi import serve_asgi

SECRET = "Zm9vYmFyYmF6cXV4c2VjcmV0.c2lnbmF0dXJl"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_the_access_log_keeps_the_reset_page_but_not_its_secret(runtime: Runtime) -> None:
    access = logging.getLogger("uvicorn.access")
    lines = _Lines()
    access.addHandler(lines)
    redact_access_log()
    try:
        app = create_app(runtime.settings, runtime=runtime)
        async with (
            serve_asgi(app, access_log=True, log_level="info") as base,
            httpx.AsyncClient(base_url=base) as client,
        ):
            opened = await client.get(f"/reset/{SECRET}?lang=tr")
            assert opened.status_code == 404  # not a genuine link; logged all the same
            assert (await client.get("/login")).status_code == 200
    finally:
        access.removeHandler(lines)
    logged = "\n".join(lines.lines)
    assert "GET /reset/[redacted]?lang=tr" in logged
    assert "GET /login" in logged
    assert SECRET not in logged and SECRET.split(".")[0] not in logged
