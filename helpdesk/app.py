"""Composition root for the web process: `create_app(settings)` returns the ASGI app."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from helpdesk import api, health
from helpdesk.api.schemas import HealthReport
from helpdesk.endpoints import PUBLIC, Endpoint
from helpdesk.endpoints import routes as endpoint_routes
from helpdesk.errors import HelpdeskError
from helpdesk.http import on_helpdesk_error, on_http_error, on_unexpected
from helpdesk.ports import Clock
from helpdesk.runtime import Runtime
from helpdesk.services import sessions
from helpdesk.settings import Settings
from helpdesk.worker import assemble, components, start

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, clock: Clock | None = None
) -> Starlette:
    """The web app: JSON API, health check, and (later) inbox, forms and webhooks.

    Pass `runtime` to share one with the caller (tests); otherwise the app builds its own and
    starts and stops it with its lifespan.
    """
    owned = runtime is None
    rt = runtime or assemble(settings, clock=clock)
    sessions.dummy_hash()  # now, so the first sign-in of an unknown address is not slower

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if owned:
            await start(rt)
        try:
            yield
        finally:
            if owned:
                await rt.close()

    async def healthz(rt: Runtime, request: Request, who: None) -> Response:
        healthy, report = await health.check(rt)
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", **report},
            status_code=200 if healthy else 503,
        )

    report = {"application/json": {"schema": {"$ref": "#/components/schemas/HealthReport"}}}
    health_endpoint = Endpoint(
        "GET", "/healthz", healthz, "Health of the database, jobs and channels", "getHealth",
        auth=PUBLIC, response=HealthReport,
        other_responses={503: {"description": "Degraded: a part failed", "content": report}},
    )  # fmt: skip
    routes: list[BaseRoute] = list(endpoint_routes(rt, [health_endpoint]))
    for component in components():
        if component.routes is not None:
            routes.extend(component.routes(rt))
    routes.extend(api.routes(rt))
    app = Starlette(
        routes=routes,
        exception_handlers={
            HelpdeskError: on_helpdesk_error,
            HTTPException: on_http_error,
            Exception: on_unexpected,
        },
        lifespan=lifespan,
        max_body_size=settings.max_request_bytes,
    )
    app.state.runtime = rt
    return app
