"""Signed HTTP POSTs to integrators: the one webhook machinery of the product.

`sign` and `post` are shared by the outbox's "webhook" channel (`WebhookSender`, subscriptions
per event type) and the SLA engine's escalation webhooks.

Outbox webhooks carry `X-Helpdesk-Timestamp: <unix seconds>` and
`X-Helpdesk-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>` under the
subscription's secret: a receiver recomputes it, compares in constant time and rejects
timestamps older than a few minutes, so a captured request cannot be replayed later.
`X-Helpdesk-Event-Id` is stable across retries and replays: receivers dedupe on it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import httpx

from helpdesk.crypto import SecretBox
from helpdesk.errors import DeliveryError, NotFound
from helpdesk.ports import Clock, DeliveryReceipt, OutboundMessage
from helpdesk.services import Store, webhooks

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Helpdesk-Signature"
TIMESTAMP_HEADER = "X-Helpdesk-Timestamp"
EVENT_HEADER = "X-Helpdesk-Event"
EVENT_ID_HEADER = "X-Helpdesk-Event-Id"
TIMEOUT = httpx.Timeout(10.0)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header value: HMAC-SHA256 of `body`, or of "<timestamp>." + body."""
    message = body if timestamp is None else f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, body: bytes, timestamp: str, signature: str, *, now: float, tolerance: float = 300
) -> bool:
    """What a receiver does: a fresh timestamp and a matching signature, compared in
    constant time."""  # fmt: skip
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, ts), signature)


@dataclass(frozen=True, slots=True)
class Posted:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None


async def post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> Posted:
    """POST once; a 2xx answer is success, anything else an error saying what happened."""
    started = time.perf_counter()
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Posted(None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))
    if response.status_code >= 300:
        return Posted(response.status_code, f"HTTP {response.status_code}", _ms(started))
    return Posted(response.status_code, None, _ms(started))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def client() -> httpx.AsyncClient:
    """A client for webhook POSTs: no redirects followed (a redirect could leak the body)."""
    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)


class WebhookSender:
    """The outbox's sender for channel "webhook": signs, posts, logs each attempt."""

    channel = webhooks.CHANNEL

    def __init__(
        self,
        stores: Callable[[], AbstractAsyncContextManager[Store]],
        box: SecretBox,
        clock: Clock,
    ) -> None:
        self._stores = stores
        self._box = box
        self._clock = clock
        self._client: httpx.AsyncClient | None = None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        payload = message.extra
        subscription_id = int(payload["subscription_id"])
        event_id = str(payload["event_id"])
        try:
            async with self._stores() as store:
                url, secret = await webhooks.subscription_target(store, self._box, subscription_id)
        except NotFound as exc:
            raise DeliveryError(str(exc), permanent=True) from None
        body = str(payload["body"]).encode()
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "helpdesk-webhooks/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, body, timestamp),
            EVENT_HEADER: str(payload["event"]),
            EVENT_ID_HEADER: event_id,
        }
        if self._client is None:
            self._client = client()
        result = await post(self._client, url, body, headers)
        async with self._stores() as store:
            await webhooks.log_attempt(
                store,
                message.outbox_id,
                subscription_id=subscription_id,
                event_id=event_id,
                status_code=result.status_code,
                error=result.error,
                duration_ms=result.duration_ms,
            )
        if result.ok:
            return DeliveryReceipt()
        # 410 Gone: the receiver says the endpoint will never take it; others may recover.
        raise DeliveryError(result.error or "failed", permanent=result.status_code == 410)
