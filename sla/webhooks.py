"""Escalation webhooks: a job POSTs the escalation as JSON after commit, signed with
HMAC-SHA256 of the body under the instance's secret key, retrying with backoff. Signing and
posting are the product's one webhook machinery (`helpdesk.webhook_sender`).

The receiver checks `X-Helpdesk-Signature: sha256=<hex>` against its copy of the secret.
Delivery is at least once (a job and the reconciliation pass may overlap, a timeout may hide a
success), so receivers dedupe on `escalation_id`.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from helpdesk.runtime import Runtime
from helpdesk.tables import ticket_t
from helpdesk.webhook_sender import SIGNATURE_HEADER, client, post, sign
from sla.tables import escalation_t

log = logging.getLogger(__name__)

__all__ = ["SIGNATURE_HEADER", "post_webhook", "sign"]

MAX_ATTEMPTS = 5


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


async def post_webhook(rt: Runtime, escalation_id: int) -> str:
    """Job: deliver one escalation's webhooks; safe to run twice (a sent one is not resent)."""
    async with rt.stores() as store:
        row = (
            (
                await store.execute(
                    select(escalation_t, ticket_t.c.number, ticket_t.c.subject, ticket_t.c.priority)
                    .join(ticket_t, ticket_t.c.id == escalation_t.c.ticket_id)
                    .where(escalation_t.c.id == escalation_id)
                )
            )
            .mappings()
            .first()
        )
    if row is None or row["webhook_state"] != "pending":
        return "nothing to post"
    body = json.dumps(_payload(row), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(rt.settings.secret_key, body),
        "X-Helpdesk-Event": "sla.escalation",
    }
    errors: list[str] = []
    async with client() as http:
        for action in row["actions"]:
            if action.get("type") != "webhook":
                continue
            posted = await post(http, str(action["url"]), body, headers)
            if posted.error is not None:
                errors.append(f"{action['url']}: {posted.error}")
    return await _record(rt, escalation_id, int(row["webhook_attempts"]) + 1, errors)


async def _record(rt: Runtime, escalation_id: int, attempts: int, errors: list[str]) -> str:
    now = rt.clock.now()
    values: dict[str, Any] = {
        "webhook_attempts": attempts,
        "webhook_error": "; ".join(errors) or None,
    }
    retry_at = None
    if not errors:
        values["webhook_state"] = "sent"
    elif attempts >= MAX_ATTEMPTS:
        values["webhook_state"] = "failed"
        log.warning("SLA webhook for escalation %s failed for good: %s", escalation_id, errors)
    else:
        retry_at = now + _backoff(attempts)
        values["webhook_next_at"] = retry_at
    async with rt.stores() as store:
        await store.execute(
            update(escalation_t)
            .where(escalation_t.c.id == escalation_id, escalation_t.c.webhook_state == "pending")
            .values(**values)
        )
    if retry_at is None:
        return str(values["webhook_state"])
    await rt.scheduler.enqueue(
        "sla_webhook", escalation_id, at=retry_at, key=f"sla-webhook:{escalation_id}:{attempts}"
    )
    return f"retry at {retry_at.isoformat()}: {values['webhook_error']}"


def _payload(row: Any) -> dict[str, Any]:
    return {
        "event": "sla.escalation",
        "escalation_id": row["id"],
        "ticket_id": row["ticket_id"],
        "ticket_number": row["number"],
        "subject": row["subject"],
        "priority": row["priority"],
        "metric": row["metric"],
        "cycle": row["cycle"],
        "level": row["level"] + 1,
        "due_at": row["due_at"].isoformat() if row["due_at"] else None,
        "fired_at": row["fired_at"].isoformat(),
    }
