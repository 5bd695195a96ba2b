"""Report figures against the same figures computed independently from a seeded history: a
table of tickets and clocks with known times, inserted as rows, counted here in plain Python."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest_asyncio

from helpdesk import reports as core_reports
from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from helpdesk.tables import customer_t, ticket_t
from sla.tables import clock_t

TZ = ZoneInfo("Europe/Istanbul")  # UTC+3: local days start at 21:00 UTC
START = datetime(2026, 11, 2, 21, 0, tzinfo=UTC)  # 3 November, 00:00 in Istanbul
DAYS = 5
END = START + timedelta(days=DAYS)


@dataclass
class Seeded:
    teams: dict[str, int]
    token: str
    tickets: list[dict[str, Any]] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)


def _history(teams: dict[str, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(3)
    tickets, clocks = [], []
    for n in range(80):
        # Some tickets start before the period, some end after it: the edges must count right.
        created = START + timedelta(minutes=rng.randrange(-2 * 24 * 60, (DAYS + 1) * 24 * 60))
        solved = created + timedelta(minutes=rng.randrange(30, 3 * 24 * 60))
        ticket = {
            "id": n + 1,
            "channel": rng.choice(["email", "telegram", "web_form"]),
            "team_id": rng.choice(list(teams.values())),
            "created_at": created,
            "solved_at": solved if rng.random() < 0.7 else None,
        }
        tickets.append(ticket)
        for metric in ("first_reply", "resolution"):
            elapsed = rng.randrange(60, 20 * 3600)
            state = rng.choice(
                ["fulfilled", "fulfilled", "breached", "breached_fulfilled", "active"]
            )
            done = created + timedelta(seconds=elapsed * 2)
            clocks.append(
                {
                    "ticket_id": ticket["id"],
                    "metric": metric,
                    "state": state,
                    "elapsed_s": elapsed,
                    "fulfilled_at": done if state in ("fulfilled", "breached_fulfilled") else None,
                    "breached_at": created + timedelta(seconds=elapsed)
                    if state in ("breached", "breached_fulfilled")
                    else None,
                    "activated_at": created,
                }
            )
    return tickets, clocks


@pytest_asyncio.fixture
async def seeded(runtime: Runtime) -> AsyncIterator[Seeded]:
    async with runtime.stores() as store:
        teams = {name: await services.create_team(store, name) for name in ("Billing", "Tech")}
        boss = await services.create_user(
            store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR
        )
        token = await services.create_token(store, boss)
        customer = (
            await store.execute(
                customer_t.insert().values(name="C", created_at=START).returning(customer_t.c.id)
            )
        ).scalar_one()
        tickets, clocks = _history(teams)
        for t in tickets:
            await store.execute(
                ticket_t.insert().values(
                    id=t["id"], number=5000 + t["id"], token=f"tok{t['id']}", subject="s",
                    status="solved" if t["solved_at"] else "open", priority="normal",
                    requester_id=customer, channel=t["channel"], team_id=t["team_id"], tags=[],
                    created_at=t["created_at"], updated_at=t["created_at"],
                    solved_at=t["solved_at"],
                )
            )  # fmt: skip
        for c in clocks:
            await store.execute(
                clock_t.insert().values(
                    **c, cycle=0, target_s=3600, updated_at=START, left_s=0, paused=False,
                    business_hours=True,
                )
            )  # fmt: skip
    yield Seeded(teams, token, tickets, clocks)


@pytest_asyncio.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as client:
        yield client


def _day(at: datetime) -> str:
    return at.astimezone(TZ).date().isoformat()


def _period() -> dict[str, str]:
    return {"from": START.isoformat(), "to": END.isoformat(), "tz": "Europe/Istanbul"}


async def test_achievement_per_local_day(seeded: Seeded, http: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {seeded.token}"}
    got = await http.get("/api/v1/sla/reports/trend", params=_period(), headers=auth)
    assert got.status_code == 200, got.text
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for c in seeded.clocks:
        if c["state"] == "active":
            continue
        decided = c["fulfilled_at"] if c["state"] == "fulfilled" else c["breached_at"]
        if START <= decided < END:
            counts = expected[(_day(decided), c["metric"])]
            counts[0] += 1
            counts[1] += c["state"] == "fulfilled"
    assert expected, "the seed must decide clocks inside the period"
    assert [(i["day"], i["metric"], i["total"], i["met"]) for i in got.json()["items"]] == [
        (day, metric, total, met) for (day, metric), (total, met) in sorted(expected.items())
    ]


async def test_first_reply_median_and_p90_per_team(seeded: Seeded, http: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {seeded.token}"}
    params = {**_period(), "metric": "first_reply", "group_by": "team"}
    got = await http.get("/api/v1/sla/reports/distribution", params=params, headers=auth)
    assert got.status_code == 200, got.text
    team_of = {t["id"]: t["team_id"] for t in seeded.tickets}
    times: dict[int, list[int]] = defaultdict(list)
    for c in seeded.clocks:
        if c["metric"] == "first_reply" and c["fulfilled_at"] and START <= c["fulfilled_at"] < END:
            times[team_of[c["ticket_id"]]].append(c["elapsed_s"])

    def rank(values: list[int], share: float) -> int:  # nearest rank: the ceil(share*n)-th
        ordered = sorted(values)
        k = max(1, -(-len(ordered) * int(share * 10) // 10))
        return ordered[k - 1]

    assert got.json()["items"] == [
        {"team": team, "metric": "first_reply", "count": len(v), "median_s": rank(v, 0.5),
         "p90_s": rank(v, 0.9)}
        for team, v in sorted(times.items())
    ]  # fmt: skip


async def test_volume_and_backlog_per_local_day_also_as_csv(
    seeded: Seeded, http: httpx.AsyncClient
) -> None:
    auth = {"Authorization": f"Bearer {seeded.token}"}
    got = await http.get("/api/v1/reports/volume", params=_period(), headers=auth)
    assert got.status_code == 200, got.text
    days = [(START.astimezone(TZ).date() + timedelta(days=i)) for i in range(DAYS)]
    rows = []
    for day in days:
        end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), TZ)
        created = Counter(
            t["channel"]
            for t in seeded.tickets
            if _day(t["created_at"]) == day.isoformat() and START <= t["created_at"] < END
        )
        resolved = sum(
            1
            for t in seeded.tickets
            if t["solved_at"]
            and START <= t["solved_at"] < END
            and _day(t["solved_at"]) == day.isoformat()
        )
        backlog = sum(
            1
            for t in seeded.tickets
            if t["created_at"] < end_of_day
            and (t["solved_at"] is None or t["solved_at"] >= end_of_day)
        )
        rows.append((day.isoformat(), dict(sorted(created.items())), resolved, backlog))
    assert [
        (i["day"], i["created_by_channel"], i["resolved"], i["backlog"])
        for i in got.json()["items"]
    ] == rows
    as_csv = await http.get(
        "/api/v1/reports/volume", params={**_period(), "format": "csv"}, headers=auth
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["day"], int(r["backlog"])) for r in table] == [(r[0], r[3]) for r in rows]
    assert int(table[0]["created_by_channel.email"] or 0) == rows[0][1].get("email", 0)


async def test_reports_need_a_supervisor_and_valid_parameters(
    seeded: Seeded, http: httpx.AsyncClient, runtime: Runtime
) -> None:
    async with runtime.stores() as store:
        agent = await services.create_user(store, email="a@help.test", name="A")
        agent_token = await services.create_token(store, agent)
    as_agent = {"Authorization": f"Bearer {agent_token}"}
    assert (await http.get("/api/v1/reports/volume", headers=as_agent)).status_code == 403
    auth = {"Authorization": f"Bearer {seeded.token}"}
    bad = await http.get(
        "/api/v1/sla/reports/distribution",
        params={"metric": "nope", "group_by": "moon", "tz": "Mars/Base", "from": "yesterday"},
        headers=auth,
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"metric", "group_by", "from"}


async def test_days_of_a_half_hour_zone_split_where_its_midnight_is(runtime: Runtime) -> None:
    """India is UTC+05:30: a ticket at 18:29 UTC is on one local day, one at 18:30 on the next."""
    async with runtime.stores() as store:
        customer = (
            await store.execute(
                customer_t.insert().values(name="C", created_at=START).returning(customer_t.c.id)
            )
        ).scalar_one()
        for n, at in enumerate((datetime(2026, 11, 3, 18, 29, tzinfo=UTC),
                                datetime(2026, 11, 3, 18, 30, tzinfo=UTC))):  # fmt: skip
            await store.execute(
                ticket_t.insert().values(
                    number=7000 + n, token=f"in{n}", subject="s", status="open",
                    priority="normal", requester_id=customer, channel="email", tags=[],
                    created_at=at, updated_at=at,
                )
            )  # fmt: skip
        days = await core_reports.volume(
            store,
            datetime(2026, 11, 2, 18, 30, tzinfo=UTC),
            datetime(2026, 11, 4, 18, 30, tzinfo=UTC),
            "Asia/Kolkata",
        )
    assert [(d["day"], d["created"]) for d in days] == [
        (date(2026, 11, 3).isoformat(), 1),
        (date(2026, 11, 4).isoformat(), 1),
    ]


def test_csv_cells_a_spreadsheet_would_run_are_quoted() -> None:
    from helpdesk.report_http import csv_response

    response = csv_response(
        [{"subject": '=HYPERLINK("http://x")', "n": -3, "tab": "\tcmd", "ok": "fine"}], "x.csv"
    )
    [row] = list(csv.DictReader(io.StringIO(bytes(response.body).decode())))
    assert row == {"subject": '\'=HYPERLINK("http://x")', "n": "-3", "tab": "'\tcmd", "ok": "fine"}
