"""Read models of the admin pages for staff: teams with their members, users with their teams,
last sign-in and API tokens, and macros. Read-only; `services.staff` and `services.macros`
change these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from helpdesk.domain import Role
from helpdesk.store import Store
from helpdesk.tables import api_token_t, macro_t, team_member_t, team_t, user_t, web_session_t


async def teams(store: Store, only: set[int] | None = None) -> list[dict[str, Any]]:
    """Teams by name with their member count and supervisor; `only` limits to those ids."""
    members = (
        select(team_member_t.c.team_id, func.count().label("n"))
        .group_by(team_member_t.c.team_id)
        .subquery()
    )
    supervisor = user_t.alias("supervisor")
    query = (
        select(
            team_t.c.id,
            team_t.c.name,
            team_t.c.email,
            team_t.c.supervisor_id,
            supervisor.c.name.label("supervisor_name"),
            func.coalesce(members.c.n, 0).label("member_count"),
        )
        .outerjoin(members, members.c.team_id == team_t.c.id)
        .outerjoin(supervisor, supervisor.c.id == team_t.c.supervisor_id)
        .order_by(team_t.c.name)
    )
    if only is not None:
        query = query.where(team_t.c.id.in_(only or {-1}))
    return [dict(r) for r in (await store.execute(query)).mappings()]


async def supervised_teams(store: Store, user_id: int) -> set[int]:
    """The teams a supervisor leads (named their supervisor) or belongs to."""
    led = await store.execute(select(team_t.c.id).where(team_t.c.supervisor_id == user_id))
    member = await store.execute(
        select(team_member_t.c.team_id).where(team_member_t.c.user_id == user_id)
    )
    return {int(t) for t in led.scalars()} | {int(t) for t in member.scalars()}


async def team(store: Store, team_id: int) -> dict[str, Any] | None:
    """One team with its members (name, email, role, active) by name."""
    row = (await store.execute(select(team_t).where(team_t.c.id == team_id))).mappings().first()
    if row is None:
        return None
    found = await store.execute(
        select(user_t.c.id, user_t.c.name, user_t.c.email, user_t.c.role, user_t.c.active)
        .join(team_member_t, team_member_t.c.user_id == user_t.c.id)
        .where(team_member_t.c.team_id == team_id)
        .order_by(user_t.c.name)
    )
    return {**dict(row), "members": [dict(m) for m in found.mappings()]}


async def staff(store: Store) -> list[dict[str, Any]]:
    """Active staff (no bots) by name: the choices for a member or a supervisor."""
    rows = await store.execute(
        select(user_t.c.id, user_t.c.name, user_t.c.email, user_t.c.role)
        .where(user_t.c.active.is_(True), user_t.c.role != Role.BOT.value)
        .order_by(user_t.c.name)
    )
    return [dict(r) for r in rows.mappings()]


async def users(store: Store) -> list[dict[str, Any]]:
    """Every user but bots by name, with team names and the last sign-in (newest session)."""
    last = (
        select(web_session_t.c.user_id, func.max(web_session_t.c.created_at).label("at"))
        .group_by(web_session_t.c.user_id)
        .subquery()
    )
    rows = await store.execute(
        select(
            user_t.c.id,
            user_t.c.name,
            user_t.c.email,
            user_t.c.role,
            user_t.c.active,
            last.c.at.label("last_sign_in"),
        )
        .outerjoin(last, last.c.user_id == user_t.c.id)
        .where(user_t.c.role != Role.BOT.value)
        .order_by(user_t.c.name, user_t.c.id)
    )
    people = [dict(r) for r in rows.mappings()]
    names = await store.execute(
        select(team_member_t.c.user_id, team_t.c.name)
        .join(team_t, team_t.c.id == team_member_t.c.team_id)
        .order_by(team_t.c.name)
    )
    by_user: dict[int, list[str]] = {}
    for row in names:
        by_user.setdefault(int(row.user_id), []).append(str(row.name))
    for person in people:
        person["teams"] = by_user.get(person["id"], [])
    return people


async def user(store: Store, user_id: int) -> dict[str, Any] | None:
    """One user (never a bot) with their team ids and API tokens, newest token first."""
    row = (
        await store.execute(
            select(
                user_t.c.id,
                user_t.c.name,
                user_t.c.email,
                user_t.c.role,
                user_t.c.active,
                user_t.c.created_at,
            ).where(user_t.c.id == user_id, user_t.c.role != Role.BOT.value)
        )
    ).mappings().first()  # fmt: skip
    if row is None:
        return None
    team_ids = await store.execute(
        select(team_member_t.c.team_id).where(team_member_t.c.user_id == user_id)
    )
    tokens = await store.execute(
        select(
            api_token_t.c.id,
            api_token_t.c.name,
            api_token_t.c.created_at,
            api_token_t.c.last_used_at,
            api_token_t.c.expires_at,
            api_token_t.c.revoked_at,
        )
        .where(api_token_t.c.user_id == user_id)
        .order_by(api_token_t.c.id.desc())
    )
    return {
        **dict(row),
        "team_ids": {int(t) for t in team_ids.scalars()},
        "tokens": [dict(t) for t in tokens.mappings()],
    }


async def macros(store: Store) -> list[dict[str, Any]]:
    """Every macro by name with its team's name (None: every team)."""
    rows = await store.execute(
        select(
            macro_t.c.id,
            macro_t.c.name,
            macro_t.c.body,
            macro_t.c.team_id,
            team_t.c.name.label("team_name"),
            macro_t.c.set_status,
            macro_t.c.set_priority,
        )
        .outerjoin(team_t, team_t.c.id == macro_t.c.team_id)
        .order_by(macro_t.c.name, macro_t.c.id)
    )
    return [dict(r) for r in rows.mappings()]


async def macro(store: Store, macro_id: int) -> dict[str, Any] | None:
    row = (await store.execute(select(macro_t).where(macro_t.c.id == macro_id))).mappings().first()
    return None if row is None else dict(row)
