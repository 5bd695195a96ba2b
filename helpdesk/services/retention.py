"""Retention: closed tickets of a channel lose their personal content N days after closing.

`anonymise` keeps every message row (who wrote when) with its text replaced; `delete` removes
the message rows too. Either way the ticket, its timeline and its SLA figures stay, and the
customer stays (they may have newer tickets). A dry run counts what a run would change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from helpdesk import search
from helpdesk.domain import Status
from helpdesk.errors import ValidationFailed
from helpdesk.ports import PersonalData, PersonalDataScope
from helpdesk.privacy_tables import redaction_t, retention_rule_t
from helpdesk.services import _redact
from helpdesk.store import Store
from helpdesk.tables import customer_t, identity_t, message_t, participant_t, ticket_t

ACTIONS = ("anonymise", "delete")
BATCH = 200


@dataclass(frozen=True, slots=True)
class Rule:
    channel: str
    days: int
    action: str


@dataclass(frozen=True, slots=True)
class Due:
    channel: str
    action: str
    ticket_ids: tuple[int, ...]


async def set_rule(store: Store, channel: str, days: int, action: str = "anonymise") -> None:
    """Create or change the retention rule of `channel`."""
    errors = {}
    if not channel.strip():
        errors["channel"] = "name a channel (email, telegram, web_form, ...)"
    if not 1 <= days <= 36500:
        errors["days"] = "must be 1-36500"
    if action not in ACTIONS:
        errors["action"] = f"must be one of {', '.join(ACTIONS)}"
    if errors:
        raise ValidationFailed(errors)
    await store.execute(
        store.upsert(
            retention_rule_t, index_elements=["channel"], update=["days", "action", "updated_at"]
        ).values(channel=channel.strip(), days=days, action=action, updated_at=store.now())
    )


async def remove_rule(store: Store, channel: str) -> bool:
    """Drop `channel`'s rule; False if it had none."""
    gone = await store.execute(
        delete(retention_rule_t).where(retention_rule_t.c.channel == channel)
    )
    return bool(getattr(gone, "rowcount", 0))


async def rules(store: Store) -> list[Rule]:
    rows = await store.execute(select(retention_rule_t).order_by(retention_rule_t.c.channel))
    return [Rule(r.channel, int(r.days), r.action) for r in rows]


async def due(store: Store, limit: int = BATCH) -> list[Due]:
    """Per rule, closed tickets past their retention that still hold personal content."""
    now = store.now()
    result = []
    for rule in await rules(store):
        ids = (
            await store.execute(
                select(ticket_t.c.id)
                .where(
                    ticket_t.c.channel == rule.channel,
                    ticket_t.c.status == Status.CLOSED.value,
                    ticket_t.c.closed_at <= now - timedelta(days=rule.days),
                    ticket_t.c.id.not_in(select(redaction_t.c.ticket_id)),
                )
                .order_by(ticket_t.c.id)
                .limit(limit)
            )
        ).scalars()
        found = tuple(int(i) for i in ids)
        if found:
            result.append(Due(rule.channel, rule.action, found))
    return result


async def apply(
    store: Store,
    batch: Due,
    components: Sequence[PersonalData] = (),
) -> _redact.Redacted:
    """Remove the personal content of one batch of due tickets, in the caller's transaction.
    The blobs in the result may be unreferenced now: delete them after commit."""
    await _redact.secure_delete(store)
    ids = list(batch.ticket_ids)
    people = (
        await store.execute(
            select(
                identity_t.c.kind,
                identity_t.c.address,
                identity_t.c.display_name,
                customer_t.c.name,
            )
            .join(customer_t, customer_t.c.id == identity_t.c.customer_id)
            .where(
                identity_t.c.customer_id.in_(
                    select(participant_t.c.customer_id).where(participant_t.c.ticket_id.in_(ids))
                )
            )
        )
    ).all()
    external = (
        await store.execute(
            select(message_t.c.channel, message_t.c.external_id).where(
                message_t.c.ticket_id.in_(ids), message_t.c.external_id.is_not(None)
            )
        )
    ).all()
    subjects = (
        await store.execute(select(ticket_t.c.subject).where(ticket_t.c.id.in_(ids)))
    ).scalars()
    terms = [s for p in people for s in (p.address, p.display_name, p.name) if s]
    terms += [s for s in subjects if s and s != _redact.PLACEHOLDER]
    scope = PersonalDataScope(
        customer_id=None,
        ticket_ids=tuple(ids),
        identities=(),
        external_ids=tuple((e.channel, e.external_id) for e in external),
        terms=tuple(terms),
    )
    result = _redact.Redacted()
    await _redact.redact_tickets(
        store, ids, _redact.Scrubber(terms), result, reason="retention", action=batch.action
    )
    for component in components:
        result.add(component.name, await component.erase(store, scope))
    await search.purge_deleted(store)
    return result
