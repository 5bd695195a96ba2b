"""Rule actions that reach outside the ticket: a template reply to the customer, entries in
the staff notification feed, a signed webhook call. Each goes through the core services in
the caller's unit of work, so nothing is sent unless the change commits; delivery (and its
retries) is the outbox's, which marks a reply sent only once its channel accepted it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select

from helpdesk import services
from helpdesk.domain import Actor, AuthorKind, Role, Status
from helpdesk.services import webhooks
from helpdesk.store import Store
from helpdesk.tables import customer_t, team_member_t, ticket_t, user_t
from routing.context import Directory
from routing.rules import FactValue

BOT = Actor(AuthorKind.BOT)
SYSTEM = Actor.system()
REPLY_KIND = "rule_reply"  # machine mail: channels mark it auto-submitted
NOTIFICATION_KIND = "rule"
WEBHOOK_EVENT = "rule.fired"


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


async def values(store: Store, ticket_id: int, facts: Mapping[str, FactValue]) -> dict[str, str]:
    """What {placeholders} stand for on this ticket."""
    row = (
        await store.execute(
            select(ticket_t.c.number, customer_t.c.name)
            .join(customer_t, customer_t.c.id == ticket_t.c.requester_id)
            .where(ticket_t.c.id == ticket_id)
        )
    ).one()
    return {
        "number": str(row.number),
        "name": str(row.name or ""),
        "subject": str(facts.get("ticket.subject") or ""),
        "status": str(facts.get("ticket.status") or ""),
        "priority": str(facts.get("ticket.priority") or ""),
        "team": str(facts.get("ticket.team") or ""),
        "category": str(facts.get("ticket.category") or ""),
    }


def fill(template: str, found: Mapping[str, str]) -> str:
    return template.format_map(_Blank(found))


async def send_reply(store: Store, ticket_id: int, text: str) -> int | None:
    """A public reply as the bot through the ticket's channel, leaving the status as it is
    (a rule that wants it solved says so with its own action). Returns the outbox entry."""
    status = (
        await store.execute(select(ticket_t.c.status).where(ticket_t.c.id == ticket_id))
    ).scalar_one()
    posted = await services.reply(
        store, ticket_id, BOT, text, status=Status(status), kind=REPLY_KIND
    )
    return posted.outbox_id


async def recipients(
    store: Store, ticket_id: int, targets: Sequence[str], found: Directory
) -> tuple[list[int], list[str]]:
    """The active human users the targets name, and the targets that name nobody."""
    row = (
        await store.execute(
            select(ticket_t.c.assignee_id, ticket_t.c.team_id).where(ticket_t.c.id == ticket_id)
        )
    ).one()
    users: list[int] = []
    missing: list[str] = []
    for target in targets:
        if target == "assignee":
            ids = [int(row.assignee_id)] if row.assignee_id is not None else []
        elif target == "team" or target.startswith("team:"):
            team_id = row.team_id if target == "team" else found.teams.get(target[5:])
            ids = await _members(store, int(team_id)) if team_id is not None else []
        else:
            ids = list(
                (
                    await store.execute(
                        select(user_t.c.id).where(
                            func.lower(user_t.c.email) == target.lower(),
                            user_t.c.active.is_(True),
                        )
                    )
                ).scalars()
            )
        if not ids:
            missing.append(target)
        users.extend(i for i in ids if i not in users)
    return users, missing


async def _members(store: Store, team_id: int) -> list[int]:
    rows = await store.execute(
        select(user_t.c.id)
        .join(team_member_t, team_member_t.c.user_id == user_t.c.id)
        .where(
            team_member_t.c.team_id == team_id,
            user_t.c.active.is_(True),
            user_t.c.role != Role.BOT.value,
        )
        .order_by(user_t.c.id)
    )
    return [int(i) for i in rows.scalars()]


async def notify(store: Store, ticket_id: int, users: Sequence[int], text: str) -> int:
    """One feed entry per user; returns how many were written."""
    written = 0
    for user_id in users:
        if await services.notify(
            store, user_id, kind=NOTIFICATION_KIND, text=text, ticket_id=ticket_id, actor=SYSTEM
        ):
            written += 1
    return written


async def call_webhook(store: Store, ticket_id: int, subscription_id: int, rule: str) -> int:
    """Queue the signed POST; the webhook sender signs, posts, retries and logs each attempt."""
    return await webhooks.queue_call(
        store, ticket_id, subscription_id, WEBHOOK_EVENT, {"rule": rule}
    )
