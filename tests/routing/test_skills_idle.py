"""Skills-based assignment (a category's skills, the ticket's language, a rule's) within
capacity, and idle agents going away and coming back; configured through the API."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, update

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Role, Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.security import hash_password
from helpdesk.tables import api_token_t, user_t, web_session_t
from routing import store as routing_store
from routing.handlers import RECONCILE_JOB
from tests.core.factory import email_in
from tests.routing.desk import Desk

TURKISH = "Merhaba, kartımdan iki kez ücret alındı, iade istiyorum lütfen."
ENGLISH = "Hello, I was charged twice on my card and would like a refund please."
PASSWORD = "correct horse battery staple"


async def _open(rt: Runtime, n: int, text: str, **fields: Any) -> int:
    async with rt.stores() as store:
        result = await services.ingest(
            store, email_in(sender=f"c{n}@example.com", text=text, **fields)
        )
    assert result.ticket_id is not None
    return result.ticket_id


async def _skills(desk: Desk, **skills: list[str]) -> None:
    async with desk.rt.stores() as store:
        for name, values in skills.items():
            await routing_store.set_agent(store, desk.users[name], skills=values)


async def test_category_and_language_skills_pick_the_agent(desk: Desk) -> None:
    await desk.configure(
        teams=[{"team": "Billing", "strategy": "least_loaded", "capacity": 1}],
        category_skills={"refunds": ["refunds"]},
        language_skills=True,
    )
    await _skills(desk, ayse=["Refunds", "language:en"], mehmet=["refunds", "language:TR"])
    turkish = await _open(desk.rt, 1, TURKISH, category="refunds")
    ticket = await desk.ticket(turkish)
    assert (ticket["language"], ticket["assignee_id"]) == ("tr", desk.users["mehmet"])
    assert "assigned to Mehmet: least loaded with language:tr, refunds, 0 of 1" in (
        await desk.reasons(turkish)
    )
    # Mehmet is full: the next Turkish refund waits, an English one still goes to Ayşe.
    waiting = await _open(desk.rt, 2, TURKISH, category="refunds")
    english = await _open(desk.rt, 3, ENGLISH, category="refunds")
    assert (await desk.ticket(waiting))["assignee_id"] is None
    assert "waiting: nobody in Billing with language:tr, refunds is online with capacity" in (
        await desk.reasons(waiting)
    )
    assert (await desk.ticket(english))["assignee_id"] == desk.users["ayse"]
    # Mehmet solves his ticket: the waiting Turkish one is his, never Ayşe's (who is full).
    async with desk.rt.stores() as store:
        await services.update_ticket(
            store,
            turkish,
            services.Actor.user(desk.users["mehmet"]),
            services.TicketChanges(status=Status.SOLVED),
        )
    assert (await desk.ticket(waiting))["assignee_id"] == desk.users["mehmet"]


async def test_a_rule_can_require_skills(desk: Desk) -> None:
    await desk.configure(
        teams=[{"team": "Billing", "strategy": "round_robin", "capacity": 5}],
        rules=[
            {
                "name": "vip needs a vip agent",
                "all": [{"field": "message.text", "op": "contains", "value": "vip"}],
                "actions": [{"kind": "require_skills", "value": ["vip"]}],
            }
        ],
    )
    await _skills(desk, mehmet=["vip"])
    tickets = [
        await _open(desk.rt, n, f"VIP customer: refund {n}", category="refunds") for n in range(3)
    ]
    assert {(await desk.ticket(t))["assignee_id"] for t in tickets} == {desk.users["mehmet"]}
    assert "needs skills vip by rule 'vip needs a vip agent'" in await desk.reasons(tickets[0])


async def _sign_in(rt: Runtime, email: str) -> int:
    async with rt.stores() as store:
        session = await services.sign_in(store, email, PASSWORD, address="127.0.0.1")
        assert isinstance(session, services.WebSession)
        return int(
            (
                await store.execute(
                    select(web_session_t.c.id).order_by(web_session_t.c.id.desc()).limit(1)
                )
            ).scalar_one()
        )


async def _availability(desk: Desk) -> dict[str, tuple[str, bool]]:
    async with desk.rt.stores() as store:
        found = {a["user_id"]: a for a in await routing_store.agents(store)}
    return {
        name: (found[uid]["availability"], found[uid]["idle_away"])
        for name, uid in desk.users.items()
        if name in ("ayse", "mehmet")
    }


async def test_idle_agents_go_away_and_come_back_on_activity(desk: Desk, clock: FixedClock) -> None:
    rt = desk.rt
    async with rt.stores() as store:  # the desk's agents have no passwords yet
        await store.execute(
            update(user_t)
            .where(user_t.c.id.in_([desk.users["ayse"], desk.users["mehmet"]]))
            .values(password_hash=hash_password(PASSWORD))
        )
    await desk.configure(
        teams=[{"team": "Billing", "strategy": "least_loaded", "capacity": 5}],
        idle_away_minutes=15,
    )
    ayse = await _sign_in(rt, "ayse@help.test")
    await _sign_in(rt, "mehmet@help.test")
    clock.advance(minutes=10)
    async with rt.stores() as store:
        await services.touch_session(store, ayse)  # Ayşe keeps working, Mehmet walked off
    clock.advance(minutes=10)
    await rt.run_job(RECONCILE_JOB)
    assert await _availability(desk) == {"ayse": ("online", False), "mehmet": ("away", True)}
    tickets = [await _open(rt, n, ENGLISH, category="refunds") for n in range(3)]
    assert {(await desk.ticket(t))["assignee_id"] for t in tickets} == {desk.users["ayse"]}

    # Ayşe chooses to be away: activity does not bring her back; nobody takes new tickets.
    async with rt.stores() as store:
        await routing_store.set_agent(store, desk.users["ayse"], availability="away")
    queued = await _open(rt, 9, ENGLISH, category="refunds")
    assert (await desk.ticket(queued))["assignee_id"] is None
    # Mehmet is back at his desk: the next pass makes him online and hands him the queue.
    await _sign_in(rt, "mehmet@help.test")
    clock.advance(seconds=30)
    await rt.run_job(RECONCILE_JOB)
    assert await _availability(desk) == {"ayse": ("away", False), "mehmet": ("online", False)}
    assert (await desk.ticket(queued))["assignee_id"] == desk.users["mehmet"]


async def _token_uses(rt: Runtime) -> list[Any]:
    async with rt.stores.read() as store:
        rows = await store.execute(select(api_token_t.c.last_used_at).order_by(api_token_t.c.id))
        return list(rows.scalars())


async def test_an_agent_working_through_the_api_is_not_idle(desk: Desk, clock: FixedClock) -> None:
    rt = desk.rt
    await desk.configure(
        teams=[{"team": "Billing", "strategy": "least_loaded", "capacity": 5}],
        idle_away_minutes=15,
    )
    async with rt.stores() as store:
        tokens = {
            name: await services.create_token(store, desk.users[name])
            for name in ("ayse", "mehmet")
        }
    app = create_app(rt.settings, runtime=rt)

    async def use_api(name: str) -> None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
        ) as client:
            response = await client.get(
                "/api/v1/tickets", headers={"Authorization": f"Bearer {tokens[name]}"}
            )
            assert response.status_code == 200

    start = clock.now()
    await use_api("ayse")
    await use_api("mehmet")
    assert await _token_uses(rt) == [start, start]
    clock.advance(seconds=30)
    await use_api("ayse")  # within the minute: nothing is written
    assert await _token_uses(rt) == [start, start]
    clock.advance(minutes=9, seconds=30)
    await use_api("ayse")  # Ayşe's script keeps working, Mehmet walked off
    assert await _token_uses(rt) == [clock.now(), start]
    clock.advance(minutes=10)
    await rt.run_job(RECONCILE_JOB)
    assert await _availability(desk) == {"ayse": ("online", False), "mehmet": ("away", True)}

    # Mehmet's integration calls the API again: the next pass brings him back.
    await use_api("mehmet")
    clock.advance(seconds=30)
    await rt.run_job(RECONCILE_JOB)
    assert await _availability(desk) == {"ayse": ("online", False), "mehmet": ("online", False)}


async def test_supervisors_set_skills_through_the_api(desk: Desk) -> None:
    async with desk.rt.stores() as store:
        sue = await services.create_user(
            store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR
        )
        token = await services.create_token(store, sue)
        agent_token = await services.create_token(store, desk.users["tom"])
    app = create_app(desk.rt.settings, runtime=desk.rt)
    auth = {"Authorization": f"Bearer {token}"}
    mehmet = desk.users["mehmet"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        bad = await client.put(
            f"/api/v1/routing/agents/{mehmet}",
            json={"skills": ["two words"], "capacity": 0},
            headers=auth,
        )
        assert bad.status_code == 422
        assert set(bad.json()["fields"]) == {"skills.0", "capacity"}
        missing = await client.put("/api/v1/routing/agents/999999", json={}, headers=auth)
        assert missing.status_code == 404
        forbidden = await client.put(
            f"/api/v1/routing/agents/{mehmet}",
            json={"skills": ["vip"]},
            headers={"Authorization": f"Bearer {agent_token}"},
        )
        assert forbidden.status_code == 403
        saved = await client.put(
            f"/api/v1/routing/agents/{mehmet}",
            json={"skills": ["Language:TR", "refunds"], "capacity": 3},
            headers=auth,
        )
        assert saved.status_code == 200
        assert saved.json() == {
            "user_id": mehmet,
            "email": "mehmet@help.test",
            "name": "Mehmet",
            "availability": "online",
            "capacity": 3,
            "skills": ["language:tr", "refunds"],
            "idle_away": False,
        }
        listed = await client.get("/api/v1/routing/agents", headers=auth)
        assert [a["skills"] for a in listed.json()["items"] if a["user_id"] == mehmet] == [
            ["language:tr", "refunds"]
        ]
        config = await client.put(
            "/api/v1/routing/config",
            json={"category_skills": {"refunds": ["refunds"]}, "idle_away_minutes": 20},
            headers=auth,
        )
        assert config.status_code == 200
        trail = (await client.get("/api/v1/routing/changes", headers=auth)).json()["items"]
    # Every change by a key user is in the configuration change log, newest first; refused
    # ones are not.
    assert [(c["by"], c["action"], c["subject"], c["data"]["via"]) for c in trail] == [
        (
            "Sue",
            "configuration replaced",
            "0 rules, 0 automations, 0 keyword rules, 0 teams",
            "api",
        ),
        (
            "Sue",
            "agent changed",
            "mehmet@help.test: capacity 3, skills ['language:tr', 'refunds']",
            "api",
        ),
    ]
    assert trail[0]["data"]["idle_away_minutes"] == 20
