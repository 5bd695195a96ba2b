"""An integrator's webhook endpoint, run as its own process so a test can kill it.

    python -m tests.privacy.receiver PORT LOG [--status 503] [--die-on N]

It checks each request's signature and timestamp the way the README tells integrators to
(with `WEBHOOK_SECRET` from the environment and the timestamp checked against `NOW`, the
test's clock), appends what it got to LOG as one JSON line (fsync'd before it answers), and
answers `--status`. With `--die-on N` the process exits abruptly while handling its N-th
request, after logging it and before answering: a receiver killed mid-way.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from helpdesk.webhook_sender import verify


def app(log_path: str, status: int, die_on: int | None) -> Starlette:
    secret = os.environ["WEBHOOK_SECRET"]
    now = float(os.environ["NOW"])
    seen = 0

    async def hook(request: Request) -> Response:
        nonlocal seen
        seen += 1
        body = await request.body()
        record: dict[str, Any] = {
            "event_id": request.headers.get("x-helpdesk-event-id"),
            "event": request.headers.get("x-helpdesk-event"),
            "valid": verify(
                secret,
                body,
                request.headers.get("x-helpdesk-timestamp", ""),
                request.headers.get("x-helpdesk-signature", ""),
                now=now,
            ),
            "body": json.loads(body),
        }
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if die_on is not None and seen == die_on:
            os._exit(1)
        return Response(status_code=status)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/hook", hook, methods=["POST"]), Route("/health", health)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("log")
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--die-on", type=int)
    args = parser.parse_args()
    uvicorn.run(
        app(args.log, args.status, args.die_on),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="off",
    )


if __name__ == "__main__":
    main()
