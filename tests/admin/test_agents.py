"""/admin/agents over HTTP: supervisors and admins set agents' skills and capacity and the idle
timeout, refused exactly as the API refuses them (422 with the field), saved in routing's
configuration and change log; agents may not open the page."""

from __future__ import annotations

import httpx

from helpdesk.audit_queries import recent_changes
from helpdesk.runtime import Runtime
from routing import store as routing_store
from tests.admin.conftest import ADMIN_EMAIL
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, csrf_in, sign_in

EMPTY = "0 rules, 0 automations, 0 keyword rules, 0 teams"


async def _agent(rt: Runtime, user_id: int) -> dict[str, object]:
    async with rt.stores.read() as store:
        return next(a for a in await routing_store.agents(store) if a["user_id"] == user_id)


async def _trail(rt: Runtime) -> list[tuple[str | None, str, str, str]]:
    async with rt.stores.read() as store:
        changes = await recent_changes(store, routing_store.KINDS, limit=10)
    return [(c.user, c.action, c.subject, c.data["via"]) for c in changes]


async def _page(client: httpx.AsyncClient) -> tuple[str, str]:
    response = await client.get("/admin/agents")
    assert response.status_code == 200
    return response.text, csrf_in(response.text)


async def test_a_supervisor_sets_skills_capacity_and_the_idle_timeout(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    ayse = admin.users["ayse"]
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        html, csrf = await _page(sam)
        assert "Ayşe Agent" in html and 'action="/admin/agents/idle"' in html
        saved = await sam.post(
            f"/admin/agents/{ayse}",
            data={"csrf": csrf, "skills": "Refunds, Language:TR", "capacity": "3"},
        )
        assert saved.status_code == 303 and saved.headers["location"] == "/admin/agents"
        assert await _agent(runtime, ayse) == {
            "user_id": ayse, "email": "ayse@example.test", "name": "Ayşe Agent",
            "availability": "online", "capacity": 3, "skills": ["language:tr", "refunds"],
            "idle_away": False,
        }  # fmt: skip
        html, csrf = await _page(sam)
        assert 'value="language:tr, refunds"' in html and 'id="capacity-' in html

        # A blank capacity goes back to the team's; no skills is no skills.
        cleared = await sam.post(
            f"/admin/agents/{ayse}", data={"csrf": csrf, "skills": " , ", "capacity": ""}
        )
        assert cleared.status_code == 303
        found = await _agent(runtime, ayse)
        assert (found["capacity"], found["skills"]) == (None, [])

        idle = await sam.post("/admin/agents/idle", data={"csrf": csrf, "idle_away_minutes": "20"})
        assert idle.status_code == 303
        async with runtime.stores.read() as store:
            assert (await routing_store.load_config(store)).idle_away_minutes == 20
        never = await sam.post("/admin/agents/idle", data={"csrf": csrf, "idle_away_minutes": ""})
        assert never.status_code == 303
        async with runtime.stores.read() as store:
            assert (await routing_store.load_config(store)).idle_away_minutes is None
    sam_did = [(who, action, subject) for who, action, subject, via in await _trail(runtime)]
    assert {via for *_, via in await _trail(runtime)} == {"admin"}
    assert sam_did == [
        ("Sam Supervisor", "configuration replaced", EMPTY),
        ("Sam Supervisor", "configuration replaced", EMPTY),
        ("Sam Supervisor", "agent changed", "ayse@example.test: clear_capacity True, skills []"),
        ("Sam Supervisor", "agent changed",
         "ayse@example.test: capacity 3, skills ['language:tr', 'refunds']"),
    ]  # fmt: skip


async def test_bad_values_are_refused_at_their_field_and_nothing_changes(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    ayse = admin.users["ayse"]
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        _html, csrf = await _page(ada)
        for skills, capacity, field in (
            ("two words", "3", "skills"),
            ("refunds", "0", "capacity"),
            ("refunds", "lots", "capacity"),
            ("refunds", "1001", "capacity"),
        ):
            refused = await ada.post(
                f"/admin/agents/{ayse}",
                data={"csrf": csrf, "skills": skills, "capacity": capacity},
            )
            assert refused.status_code == 422, (skills, capacity)
            assert f'id="err-{field}"' in refused.text and 'aria-invalid="true"' in refused.text
            assert f'value="{capacity}"' in refused.text  # what was typed is kept
        for minutes in ("0", "10081", "soon", "1.5"):
            refused = await ada.post(
                "/admin/agents/idle", data={"csrf": csrf, "idle_away_minutes": minutes}
            )
            assert refused.status_code == 422, minutes
            assert 'id="err-idle_away_minutes"' in refused.text
        missing = await ada.post(
            "/admin/agents/999999", data={"csrf": csrf, "skills": "", "capacity": ""}
        )
        assert missing.status_code == 404
        forged = await ada.post(f"/admin/agents/{ayse}", data={"csrf": "nope", "skills": "vip"})
        assert forged.status_code == 403
    found = await _agent(runtime, ayse)
    assert (found["capacity"], found["skills"]) == (None, [])
    async with runtime.stores.read() as store:
        assert (await routing_store.load_config(store)).idle_away_minutes is None
    assert await _trail(runtime) == []


async def test_agents_may_not_open_or_post_to_the_page(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as bea:
        csrf = await sign_in(bea, "bea@example.test")
        assert (await bea.get("/admin/agents")).status_code == 403
        posted = await bea.post(
            f"/admin/agents/{admin.users['bea']}",
            data={"csrf": csrf, "skills": "vip", "capacity": "99"},
        )
        assert posted.status_code == 403
        idle = await bea.post("/admin/agents/idle", data={"csrf": csrf, "idle_away_minutes": "1"})
        assert idle.status_code == 403
    assert (await _agent(runtime, admin.users["bea"]))["skills"] == []
    assert await _trail(runtime) == []
