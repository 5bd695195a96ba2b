"""Fires one escalation level: the record that makes it happen once, then its actions.

Runs inside the evaluating unit of work, so the record, the inbox notifications, the queued
emails and any reassignment commit together or not at all. Webhooks are only marked here and
posted by a job after commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from helpdesk.errors import HelpdeskError
from helpdesk.inbound import Identity
from helpdesk.services import Actor, TicketChanges, update_ticket
from helpdesk.services.outbox import queue_notification
from helpdesk.store import Store
from helpdesk.tables import team_member_t, team_t, user_t
from sla.policies import raised
from sla.tables import escalation_t, notification_t


async def fire_level(
    store: Store,
    ticket: Any,
    clock: Any,
    *,
    ladder_id: int,
    level_no: int,
    level: Mapping[str, Any],
    fire_at: datetime,
) -> int | None:
    """Record and act on level `level_no` for `clock`; None when it had already fired.

    Returns the escalation id when it fired and has a webhook to post after commit.
    """
    now = store.now()
    actions = list(level.get("actions") or [])
    inserted = await store.execute(
        store.insert_ignoring_duplicates(escalation_t)
        .values(
            ticket_id=ticket["id"],
            metric=clock["metric"],
            cycle=clock["cycle"],
            level=level_no,
            ladder_id=ladder_id,
            due_at=clock["due_at"],
            fire_at=fire_at,
            fired_at=now,
            actions=actions,
            errors=[],
        )
        .returning(escalation_t.c.id)
    )
    escalation_id = inserted.scalar_one_or_none()
    if escalation_id is None:
        return None
    errors: list[str] = []
    webhook = False
    for action in actions:
        kind = action.get("type")
        try:
            if kind == "notify":
                await _notify(store, ticket, clock, level_no, escalation_id, action)
            elif kind == "reassign":
                await _reassign(store, ticket, action)
            elif kind == "raise_priority":
                await _update(store, ticket, TicketChanges(priority=raised(ticket["priority"])))
            elif kind == "webhook":
                webhook = True
            else:
                errors.append(f"unknown action {kind!r}")
        except HelpdeskError as exc:
            errors.append(f"{kind}: {exc}")
    values: dict[str, Any] = {"errors": errors}
    if webhook:
        values.update(webhook_state="pending", webhook_next_at=now)
    await store.execute(
        update(escalation_t).where(escalation_t.c.id == escalation_id).values(**values)
    )
    return int(escalation_id) if webhook else None


async def users_for(store: Store, ticket: Any, action: Mapping[str, Any]) -> list[int]:
    """The users an action's target names: a user, a team's members, or the team supervisor."""
    target = action.get("target")
    if target == "user":
        return [int(action["user_id"])]
    if target == "team":
        rows = await store.execute(
            select(team_member_t.c.user_id).where(team_member_t.c.team_id == action["team_id"])
        )
        return [int(r) for r in rows.scalars()]
    if target == "supervisor":
        supervisor = await supervisor_of(store, action.get("team_id") or ticket["team_id"])
        return [] if supervisor is None else [supervisor]
    if target == "assignee":
        return [] if ticket["assignee_id"] is None else [int(ticket["assignee_id"])]
    raise HelpdeskError(f"unknown target {target!r}")


async def supervisor_of(store: Store, team_id: int | None) -> int | None:
    if team_id is None:
        return None
    found = (
        await store.execute(select(team_t.c.supervisor_id).where(team_t.c.id == team_id))
    ).scalar_one_or_none()
    return None if found is None else int(found)


async def notify_users(
    store: Store,
    ticket: Any,
    user_ids: list[int],
    *,
    key: str,
    kind: str,
    metric: str,
    text: str,
    email: bool,
    escalation_id: int | None = None,
) -> None:
    """An inbox-feed entry per user (once per `key`), and optionally an email."""
    now = store.now()
    users = await store.execute(
        select(user_t.c.id, user_t.c.email, user_t.c.name).where(
            user_t.c.id.in_(user_ids), user_t.c.active.is_(True)
        )
    )
    for user in users.all():
        added = await store.execute(
            store.insert_ignoring_duplicates(notification_t)
            .values(
                user_id=user.id,
                ticket_id=ticket["id"],
                key=key,
                kind=kind,
                metric=metric,
                text=text,
                escalation_id=escalation_id,
                created_at=now,
            )
            .returning(notification_t.c.id)
        )
        if added.scalar_one_or_none() is not None and email:
            await queue_notification(
                store,
                int(ticket["id"]),
                channel="email",
                to=[Identity("email", user.email, user.name)],
                subject=f"[#{ticket['number']}] {text}",
                text=f"{text}\n\nTicket #{ticket['number']}: {ticket['subject']}",
                kind="sla_notification",
            )


async def _notify(
    store: Store,
    ticket: Any,
    clock: Any,
    level_no: int,
    escalation_id: int,
    action: Mapping[str, Any],
) -> None:
    due = clock["due_at"]
    when = "" if due is None else f" (due {due:%Y-%m-%d %H:%M} UTC)"
    text = f"Escalation level {level_no + 1}: {clock['metric']} target{when}"
    await notify_users(
        store,
        ticket,
        await users_for(store, ticket, action),
        key=f"escalation:{escalation_id}",
        kind="escalation",
        metric=str(clock["metric"]),
        text=text,
        email=bool(action.get("email", True)),
        escalation_id=escalation_id,
    )


async def _reassign(store: Store, ticket: Any, action: Mapping[str, Any]) -> None:
    target = action.get("target")
    if target == "team":
        await _update(store, ticket, TicketChanges(team_id=int(action["team_id"])))
        return
    users = await users_for(store, ticket, action)
    if not users:
        raise HelpdeskError(f"nobody to reassign to ({target})")
    await _update(store, ticket, TicketChanges(assignee_id=users[0]))


async def _update(store: Store, ticket: Any, changes: TicketChanges) -> None:
    # A failed reassignment must not undo the escalation record or the notifications.
    async with store.savepoint():
        await update_ticket(store, int(ticket["id"]), Actor.system(), changes)
