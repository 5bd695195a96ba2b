"""Services that change SLA configuration and acknowledge escalations. Each takes a Store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, delete, func, select, update

from helpdesk.domain import Principal, may_access_ticket
from helpdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from helpdesk.store import Store
from helpdesk.tables import category_t, team_t, ticket_t, user_t
from sla._config import bump_version
from sla.schemas import CalendarIn, LadderIn, PolicyIn
from sla.tables import calendar_t, escalation_t, ladder_t, policy_t

__all__ = [
    "acknowledge",
    "delete_row",
    "save_calendar",
    "save_ladder",
    "save_policy",
]


async def save_calendar(store: Store, data: CalendarIn, calendar_id: int | None = None) -> int:
    """Create a calendar, or replace calendar `calendar_id`; returns its id."""
    return await _save(store, calendar_t, data.row(), calendar_id)


async def save_policy(store: Store, data: PolicyIn, policy_id: int | None = None) -> int:
    """Create a policy, or replace policy `policy_id`; returns its id."""
    errors: dict[str, str] = {}
    if data.calendar_id is not None and not await _exists(store, calendar_t, [data.calendar_id]):
        errors["calendar_id"] = f"no such calendar: {data.calendar_id}"
    missing = await _missing(store, category_t, data.category_ids)
    if missing:
        errors["category_ids"] = f"no such categories: {missing}"
    if errors:
        raise ValidationFailed(errors)
    values = data.row()
    if values["position"] is None:
        values["position"] = await _position(store, policy_id)
    return await _save(store, policy_t, values, policy_id)


async def _position(store: Store, policy_id: int | None) -> int:
    """A replaced policy keeps its place; a new one goes after every other (first match wins,
    so a later policy is the fallback), ten apart so one can be put in between later."""
    if policy_id is not None:
        kept = (
            await store.execute(select(policy_t.c.position).where(policy_t.c.id == policy_id))
        ).scalar_one_or_none()
        if kept is not None:
            return int(kept)
    last = (await store.execute(select(func.max(policy_t.c.position)))).scalar_one_or_none()
    return 0 if last is None else int(last) + 10


async def save_ladder(store: Store, data: LadderIn, ladder_id: int | None = None) -> int:
    """Create a category's ladder, or replace ladder `ladder_id`; returns its id."""
    errors: dict[str, str] = {}
    if data.category_id is not None and await _missing(store, category_t, [data.category_id]):
        errors["category_id"] = f"no such category: {data.category_id}"
    taken = (
        await store.execute(
            select(ladder_t.c.id).where(
                ladder_t.c.category_id.is_(None)
                if data.category_id is None
                else ladder_t.c.category_id == data.category_id
            )
        )
    ).scalar_one_or_none()
    if taken is not None and taken != ladder_id:
        errors["category_id"] = f"that category already has ladder {taken}"
    for n, level in enumerate(data.levels):
        for m, action in enumerate(level.actions):
            where = f"levels.{n}.actions.{m}"
            if action.user_id is not None and await _missing(store, user_t, [action.user_id]):
                errors[f"{where}.user_id"] = f"no such user: {action.user_id}"
            if action.team_id is not None and await _missing(store, team_t, [action.team_id]):
                errors[f"{where}.team_id"] = f"no such team: {action.team_id}"
    if errors:
        raise ValidationFailed(errors)
    return await _save(store, ladder_t, data.row(), ladder_id)


async def delete_row(store: Store, table: Table, row_id: int) -> None:
    """Delete a calendar, policy or ladder; a calendar still used by a policy is a Conflict."""
    if table is calendar_t:
        users = (
            await store.execute(
                select(func.count()).select_from(policy_t).where(policy_t.c.calendar_id == row_id)
            )
        ).scalar_one()
        if users:
            raise Conflict(f"calendar {row_id} is used by {users} policies")
    result = await store.execute(delete(table).where(table.c.id == row_id))
    if not getattr(result, "rowcount", 0):
        raise NotFound(f"no such {table.name.removeprefix('sla_')}: {row_id}")
    await bump_version(store)


async def acknowledge(store: Store, escalation_id: int, who: Principal) -> dict[str, Any]:
    """Acknowledge an escalation: no further level of its ladder fires for that breach."""
    row = (
        (
            await store.execute(
                select(escalation_t, ticket_t.c.team_id, ticket_t.c.assignee_id)
                .join(ticket_t, ticket_t.c.id == escalation_t.c.ticket_id)
                .where(escalation_t.c.id == escalation_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no such escalation: {escalation_id}")
    if not may_access_ticket(who, row["team_id"], row["assignee_id"]):
        raise Forbidden(f"escalation {escalation_id} is on a ticket of a team you are not in")
    if row["acknowledged_at"] is None:
        await store.execute(
            update(escalation_t)
            .where(escalation_t.c.id == escalation_id, escalation_t.c.acknowledged_at.is_(None))
            .values(acknowledged_at=store.now(), acknowledged_by=who.user_id)
        )
    return {"id": escalation_id, "ticket_id": row["ticket_id"]}


async def _save(store: Store, table: Table, values: dict[str, Any], row_id: int | None) -> int:
    now = store.now()
    if table is not ladder_t:  # ladder names may repeat (one per category); the others not
        same_name = select(table.c.id).where(table.c.name == values["name"])
        if row_id is not None:
            same_name = same_name.where(table.c.id != row_id)
        if (await store.execute(same_name.limit(1))).first() is not None:
            raise Conflict(f"name {values['name']!r} is taken")
    # Evaluations cache the configuration per version; this one commits with the change.
    await bump_version(store)
    if row_id is None:
        created = await store.execute(
            table.insert().values(**values, created_at=now, updated_at=now).returning(table.c.id)
        )
        return int(created.scalar_one())
    result = await store.execute(
        update(table).where(table.c.id == row_id).values(**values, updated_at=now)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound(f"no such {table.name.removeprefix('sla_')}: {row_id}")
    return row_id


async def _exists(store: Store, table: Table, ids: Iterable[int]) -> bool:
    return not await _missing(store, table, ids)


async def _missing(store: Store, table: Table, ids: Iterable[int]) -> list[int]:
    wanted = set(ids)
    if not wanted:
        return []
    found = await store.execute(select(table.c.id).where(table.c.id.in_(wanted)))
    return sorted(wanted - set(found.scalars()))
