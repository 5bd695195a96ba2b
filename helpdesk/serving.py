"""How `helpdesk serve` runs the web app under uvicorn: where it listens, whom it believes."""

from __future__ import annotations

import logging
import re
from typing import Any

from helpdesk.settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for uvicorn.Config/run.

    uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise, so anyone on the
    host (or any request relayed through a local process) could pick their own client
    address and slip past per-address limits. Only the proxies in HELPDESK_TRUSTED_PROXIES
    are believed; by default none, and the peer address is the client address.
    """
    trusted = settings.trusted_proxies
    return {
        "host": settings.host,
        "port": settings.port,
        "proxy_headers": bool(trusted),
        # An explicit value always: uvicorn's default (and $FORWARDED_ALLOW_IPS) is loopback.
        "forwarded_allow_ips": trusted or "",
    }


# A password link carries its secret in the path; the access log keeps the route, not the key.
_SECRET_PATH = re.compile(r"^/reset/[^?]*")


class _RedactPasswordLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access record: (client, method, path with query, HTTP version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], _SECRET_PATH.sub("/reset/[redacted]", args[2]), *args[3:])
        return True


def redact_access_log() -> None:
    """Keep password-link secrets out of uvicorn's access log. Call after `uvicorn.Config`
    (its logging setup runs there) and before the server starts."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _RedactPasswordLinks) for f in access.filters):
        access.addFilter(_RedactPasswordLinks())
