"""Read queries of personal-data handling: a customer's export, the access log, webhooks."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, true

from helpdesk.errors import ValidationFailed
from helpdesk.ports import PersonalData
from helpdesk.privacy_tables import (
    access_log_t,
    erasure_t,
    redaction_t,
    webhook_attempt_t,
    webhook_subscription_t,
)
from helpdesk.services.privacy import quarantined, scope_of
from helpdesk.store import Store
from helpdesk.tables import (
    attachment_t,
    audit_t,
    customer_t,
    identity_t,
    message_t,
    outbox_t,
    quarantine_t,
    survey_t,
    ticket_t,
    user_t,
)

MAX_PAGE = 500


async def user_id_by_email(store: Store, email: str) -> int | None:
    """The staff member with this address, or None."""
    found = (
        await store.execute(select(user_t.c.id).where(user_t.c.email == email.strip().lower()))
    ).scalar_one_or_none()
    return None if found is None else int(found)


def _plain(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in dict(row).items()}


@dataclass(frozen=True, slots=True)
class ExportFile:
    path: str  # inside the archive
    sha256: str


@dataclass(frozen=True, slots=True)
class Export:
    data: dict[str, Any]
    files: tuple[ExportFile, ...]


async def export_data(
    store: Store, customer_id: int, components: Sequence[PersonalData] = ()
) -> Export:
    """Everything held about a customer, JSON-ready, plus the files (attachments, raw input)."""
    scope = await scope_of(store, customer_id)
    customer = (
        (await store.execute(select(customer_t).where(customer_t.c.id == customer_id)))
        .mappings()
        .one()
    )
    identities = await store.execute(
        select(identity_t).where(identity_t.c.customer_id == customer_id).order_by(identity_t.c.id)
    )
    ids = list(scope.ticket_ids)
    tickets = await store.execute(select(ticket_t).where(ticket_t.c.id.in_(ids)).order_by("id"))
    messages = (
        (
            await store.execute(
                select(message_t).where(message_t.c.ticket_id.in_(ids)).order_by(message_t.c.id)
            )
        )
        .mappings()
        .all()
    )
    attachments = (
        (
            await store.execute(
                select(attachment_t)
                .join(message_t, message_t.c.id == attachment_t.c.message_id)
                .where(message_t.c.ticket_id.in_(ids))
                .order_by(attachment_t.c.id)
            )
        )
        .mappings()
        .all()
    )
    files: list[ExportFile] = []
    for a in attachments:
        files.append(ExportFile(f"attachments/{a['id']}-{_safe(a['filename'])}", a["sha256"]))
    for m in messages:
        if m["raw_ref"]:
            files.append(
                ExportFile(f"raw/message-{m['id']}.{_raw_ext(m['channel'])}", m["raw_ref"])
            )
    audit = await store.execute(
        select(audit_t).where(audit_t.c.ticket_id.in_(ids)).order_by(audit_t.c.id)
    )
    access = await store.execute(
        select(access_log_t)
        .where(
            or_(
                access_log_t.c.customer_id == customer_id,
                access_log_t.c.ticket_id.in_(ids),
            )
        )
        .order_by(access_log_t.c.id)
    )
    erasures = await store.execute(select(erasure_t).where(erasure_t.c.customer_id == customer_id))
    redactions = await store.execute(select(redaction_t).where(redaction_t.c.ticket_id.in_(ids)))
    csat = await store.execute(
        select(survey_t)
        .where(or_(survey_t.c.customer_id == customer_id, survey_t.c.ticket_id.in_(ids)))
        .order_by(survey_t.c.id)
    )
    quarantine = await store.execute(
        select(quarantine_t).where(quarantine_t.c.id.in_(await quarantined(store, scope)))
    )
    data: dict[str, Any] = {
        "format": "helpdesk-customer-export/1",
        "exported_at": store.now().isoformat(),
        "customer": _plain(customer),
        "identities": [_plain(r) for r in identities.mappings()],
        "tickets": [_plain(r) for r in tickets.mappings()],
        "messages": [_plain(m) for m in messages],
        "attachments": [_plain(a) for a in attachments],
        "audit": [_plain(r) for r in audit.mappings()],
        "access_log": [_plain(r) for r in access.mappings()],
        "erasures": [_plain(r) for r in erasures.mappings()],
        "redactions": [_plain(r) for r in redactions.mappings()],
        "csat": [_plain(r) for r in csat.mappings()],
        "quarantine": _jsonable([_plain(r) for r in quarantine.mappings()]),
        "files": [{"path": f.path, "sha256": f.sha256} for f in files],
    }
    for component in components:
        data[component.name] = _jsonable(await component.export(store, scope))
    return Export(data, tuple(files))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def _safe(filename: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in filename).strip(". ")
    return cleaned[:120] or "file"


def _raw_ext(channel: str) -> str:
    return "eml" if channel == "email" else "bin"


@dataclass(frozen=True, slots=True)
class AccessFilter:
    user_id: int | None = None
    customer_id: int | None = None
    ticket_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def access_log(
    store: Store, flt: AccessFilter, *, limit: int = 100, after_id: int | None = None
) -> list[dict[str, Any]]:
    """Access-log rows matching `flt`, oldest first, keyset-paged on id."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed({"limit": f"must be 1-{MAX_PAGE}"})
    t = access_log_t.c
    conditions = []
    if flt.user_id is not None:
        conditions.append(t.user_id == flt.user_id)
    if flt.customer_id is not None:
        conditions.append(t.customer_id == flt.customer_id)
    if flt.ticket_id is not None:
        conditions.append(t.ticket_id == flt.ticket_id)
    if flt.action:
        conditions.append(t.action == flt.action)
    if flt.since is not None:
        conditions.append(t.at >= flt.since)
    if flt.until is not None:
        conditions.append(t.at < flt.until)
    if after_id is not None:
        conditions.append(t.id > after_id)
    rows = await store.execute(
        select(access_log_t).where(and_(true(), *conditions)).order_by(t.id).limit(limit)
    )
    return [_plain(r) for r in rows.mappings()]


async def webhook_subscriptions(store: Store) -> list[dict[str, Any]]:
    """Subscriptions without their secrets."""
    rows = await store.execute(
        select(
            webhook_subscription_t.c.id,
            webhook_subscription_t.c.url,
            webhook_subscription_t.c.events,
            webhook_subscription_t.c.description,
            webhook_subscription_t.c.active,
            webhook_subscription_t.c.created_at,
        ).order_by(webhook_subscription_t.c.id)
    )
    return [_plain(r) for r in rows.mappings()]


async def webhook_deliveries(
    store: Store,
    *,
    subscription_id: int | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Webhook deliveries (outbox entries), newest first, each with its attempt log."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed({"limit": f"must be 1-{MAX_PAGE}"})
    query = select(outbox_t).where(outbox_t.c.kind == "webhook")
    if status:
        query = query.where(outbox_t.c.status == status)
    if subscription_id is not None:
        query = query.where(outbox_t.c.payload["subscription_id"].as_integer() == subscription_id)
    rows = (await store.execute(query.order_by(outbox_t.c.id.desc()).limit(limit))).mappings().all()
    ids = [int(r["id"]) for r in rows]
    attempts: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        log = await store.execute(
            select(webhook_attempt_t)
            .where(webhook_attempt_t.c.outbox_id.in_(ids))
            .order_by(webhook_attempt_t.c.id)
        )
        for a in log.mappings():
            attempts[int(a["outbox_id"])].append(_plain(a))
    result = []
    for r in rows:
        payload = r["payload"] or {}
        result.append(
            {
                "id": r["id"],
                "subscription_id": payload.get("subscription_id"),
                "event": payload.get("event"),
                "event_id": payload.get("event_id"),
                "ticket_id": r["ticket_id"],
                "status": "dead" if r["status"] == "failed" else r["status"],
                "attempts": r["attempts"],
                "next_attempt_at": _plain({"x": r["next_attempt_at"]})["x"],
                "last_error": r["last_error"],
                "log": attempts[int(r["id"])],
            }
        )
    return result
