"""The board's union of index seeks returns exactly what one query with an OR would: breached
clocks, clocks due within the horizon, warned clocks due later, of open tickets only, soonest
due first, cut at the limit, with every filter and for an agent who sees only some teams."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from helpdesk import services
from helpdesk.domain import OPEN_STATUSES, Principal, Role
from helpdesk.runtime import Runtime
from helpdesk.tables import customer_t, ticket_t
from sla import reads
from sla.tables import clock_t

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
STATES = ("active", "active", "breached", "paused", "fulfilled", "breached_fulfilled")
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")


async def _seed(rt: Runtime) -> tuple[list[int], list[dict[str, Any]]]:
    rng = random.Random(5)
    async with rt.stores() as store:
        teams = [await services.create_team(store, name) for name in ("A", "B", "C")]
        customer = (
            await store.execute(
                customer_t.insert().values(name="C", created_at=NOW).returning(customer_t.c.id)
            )
        ).scalar_one()
        rows = []
        for n in range(1, 121):
            ticket = {"id": n, "team_id": rng.choice([*teams, None]),
                      "status": rng.choice(STATUSES), "assignee_id": None}  # fmt: skip
            await store.execute(
                ticket_t.insert().values(
                    **ticket, number=9000 + n, token=f"r{n}", subject=f"s{n}", priority="normal",
                    requester_id=customer, channel="email", tags=[], created_at=NOW,
                    updated_at=NOW,
                )
            )  # fmt: skip
            for metric in ("first_reply", "resolution"):
                # Whole minutes over a few hours: ties on due_at are broken by the clock id.
                due = NOW + timedelta(minutes=rng.randrange(-180, 240, 15))
                clock = {"ticket_id": n, "metric": metric, "state": rng.choice(STATES),
                         "due_at": None if rng.random() < 0.05 else due,
                         "warned_at": NOW if rng.random() < 0.3 else None}  # fmt: skip
                got = await store.execute(
                    clock_t.insert().values(
                        **clock, cycle=0, target_s=3600, activated_at=NOW, updated_at=NOW,
                        left_s=0, paused=False, business_hours=True,
                    ).returning(clock_t.c.id)
                )  # fmt: skip
                rows.append({**clock, **ticket, "clock_id": got.scalar_one()})
    return teams, rows


def _expected(
    rows: list[dict[str, Any]], wanted: reads.RiskFilter, who: Principal, nulls_first: bool
) -> list[Any]:
    soon = NOW + reads.AT_RISK_HORIZON
    found = []
    for r in rows:
        breached = r["state"] == "breached"
        due_soon = r["due_at"] is not None and r["due_at"] <= soon
        at_risk = r["state"] == "active" and (r["warned_at"] is not None or due_soon)
        wanted_state = {"breached": breached, "at_risk": at_risk}.get(
            wanted.state or "", breached or at_risk
        )
        if not wanted_state or r["status"] not in {s.value for s in OPEN_STATUSES}:
            continue
        if wanted.team_id is not None and r["team_id"] != wanted.team_id:
            continue
        if wanted.metric is not None and r["metric"] != wanted.metric:
            continue
        if not who.sees_everything and r["team_id"] not in (None, *who.team_ids):
            continue
        found.append(r)
    # SQLite sorts NULL first, PostgreSQL last.
    edge = (datetime.min if nulls_first else datetime.max).replace(tzinfo=UTC)
    found.sort(key=lambda r: (r["due_at"] or edge, r["clock_id"]))
    return [(r["ticket_id"], r["metric"]) for r in found[: wanted.limit]]


async def test_the_union_of_seeks_returns_what_one_or_would(runtime: Runtime) -> None:
    teams, rows = await _seed(runtime)
    boss = Principal(1, Role.SUPERVISOR, frozenset())
    agent = Principal(999, Role.AGENT, frozenset({teams[0]}))
    filters = [
        reads.RiskFilter(limit=500),
        reads.RiskFilter(limit=7),
        reads.RiskFilter(state="breached", limit=500),
        reads.RiskFilter(state="at_risk", limit=500),
        reads.RiskFilter(state="at_risk", team_id=teams[1], metric="resolution", limit=500),
    ]
    nulls_first = runtime.settings.database_url.startswith("sqlite")
    async with runtime.stores.read() as store:
        for who in (boss, agent):
            for wanted in filters:
                got = await reads.tickets_at_risk(store, who, wanted, NOW)
                keys = [(r["ticket_id"], r["metric"]) for r in got]
                assert keys == _expected(rows, wanted, who, nulls_first), (who.role, wanted)
                assert keys or who is agent, wanted  # the seed holds rows of every kind
