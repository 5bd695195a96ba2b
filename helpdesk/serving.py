"""How `helpdesk serve` runs the web app under uvicorn: where it listens, whom it believes."""

from __future__ import annotations

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
