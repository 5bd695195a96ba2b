"""Idle agents go away, and come back: an online agent whose browser or API token has done
nothing for the configured time is marked away (so assignment skips them) with a flag saying
it was idleness, not their choice; activity brings exactly those agents back online.

Activity is what the core already records: a signed-in browser's session is touched as the
agent works (the inbox's presence heartbeat keeps it fresh while a ticket is open, every half
minute), and an API token's last use is written when it is used (at most once a minute, so an
agent working through a script or an integration is not idle). Nothing new is written per
request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, union_all, update

from helpdesk.domain import Role
from helpdesk.store import Store
from helpdesk.tables import api_token_t, team_member_t, user_t, web_session_t
from routing.tables import routing_agent_t

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Changed:
    away: tuple[int, ...]  # user ids now away for idleness
    back: tuple[int, ...]  # user ids back online
    teams: tuple[int, ...]  # teams where someone came back: their queues may drain


async def last_activity(store: Store) -> dict[int, datetime]:
    """Each user's latest activity in a signed-in browser or through an API token."""
    uses = union_all(
        select(web_session_t.c.user_id.label("user_id"), web_session_t.c.last_seen_at.label("at")),
        select(api_token_t.c.user_id.label("user_id"), api_token_t.c.last_used_at.label("at")),
    ).subquery()
    rows = await store.execute(
        select(uses.c.user_id, func.max(uses.c.at).label("at")).group_by(uses.c.user_id)
    )
    return {int(r["user_id"]): r["at"] for r in rows.mappings() if r["at"] is not None}


async def sweep(store: Store, idle_for: timedelta) -> Changed:
    """Mark idle online agents away and active idle-away agents online again."""
    now = store.now()
    seen = await last_activity(store)
    rows = await store.execute(
        select(user_t.c.id, routing_agent_t.c.availability, routing_agent_t.c.idle_away)
        .outerjoin(routing_agent_t, routing_agent_t.c.user_id == user_t.c.id)
        .where(user_t.c.active.is_(True), user_t.c.role != Role.BOT.value)
    )
    away: list[int] = []
    back: list[int] = []
    for row in rows.mappings():
        user_id, availability = row["id"], row["availability"]
        idle_away = row["idle_away"]
        active = (at := seen.get(int(user_id))) is not None and now - at < idle_for
        if (availability or "online") == "online" and not active:
            away.append(int(user_id))
        elif availability == "away" and idle_away and active:
            back.append(int(user_id))
    for user_id in away:
        await store.execute(store.insert_ignoring_duplicates(routing_agent_t), {"user_id": user_id})
    if away:
        await store.execute(
            update(routing_agent_t)
            .where(routing_agent_t.c.user_id.in_(away), routing_agent_t.c.availability == "online")
            .values(availability="away", idle_away=True)
        )
    if back:
        await store.execute(
            update(routing_agent_t)
            .where(routing_agent_t.c.user_id.in_(back), routing_agent_t.c.idle_away.is_(True))
            .values(availability="online", idle_away=False)
        )
    teams: list[int] = []
    if back:
        teams = sorted(
            {
                int(t)
                for t in (
                    await store.execute(
                        select(team_member_t.c.team_id).where(team_member_t.c.user_id.in_(back))
                    )
                ).scalars()
            }
        )
    for user_id in away:
        log.info("routing: agent %s idle for %s: away", user_id, idle_for)
    for user_id in back:
        log.info("routing: agent %s active again: online", user_id)
    return Changed(tuple(away), tuple(back), tuple(teams))
