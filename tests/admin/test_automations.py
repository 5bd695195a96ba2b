"""/admin/automations over HTTP: the automations in words, enabled, disabled and removed by an
admin with each change saved and logged; supervisors only look; unknown names are a 404."""

from __future__ import annotations

from helpdesk.audit_queries import recent_changes
from helpdesk.runtime import Runtime
from routing import store as routing_store
from routing.config import RoutingConfig
from tests.admin.conftest import ADMIN_EMAIL
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, csrf_in, sign_in

PENDING = {
    "name": "solve stale pending",
    "since": "status_changed",
    "minutes": 4320,
    "business_hours": True,
    "all": [{"field": "ticket.status", "value": "pending"}],
    "actions": [{"kind": "set_status", "value": "solved"}],
}
UNASSIGNED = {
    "name": "unassigned half an hour",
    "since": "created",
    "minutes": 30,
    "all": [{"field": "ticket.assignee", "value": None}],
    "actions": [{"kind": "add_tags", "value": ["waiting", "unassigned"]}],
}


async def _configure(rt: Runtime) -> None:
    async with rt.stores() as store:
        await routing_store.save_config(
            store, RoutingConfig.model_validate({"automations": [PENDING, UNASSIGNED]})
        )


async def _states(rt: Runtime) -> dict[str, bool]:
    async with rt.stores.read() as store:
        config = await routing_store.load_config(store)
    return {a.name: a.active for a in config.automations}


async def test_an_admin_turns_automations_off_and_on_and_removes_one(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    await _configure(runtime)
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        shown = await ada.get("/admin/automations")
        assert shown.status_code == 200
        assert "in its status for 4320 business minutes" in shown.text
        assert "add_tags waiting, unassigned" in shown.text
        csrf = csrf_in(shown.text)
        off = await ada.post(
            "/admin/automations/disable", data={"csrf": csrf, "automation": PENDING["name"]}
        )
        assert off.status_code == 303 and off.headers["location"] == "/admin/automations"
        assert await _states(runtime) == {PENDING["name"]: False, UNASSIGNED["name"]: True}
        on = await ada.post(
            "/admin/automations/enable", data={"csrf": csrf, "automation": PENDING["name"]}
        )
        assert on.status_code == 303
        assert await _states(runtime) == {PENDING["name"]: True, UNASSIGNED["name"]: True}
        gone = await ada.post(
            "/admin/automations/remove", data={"csrf": csrf, "automation": UNASSIGNED["name"]}
        )
        assert gone.status_code == 303
        assert await _states(runtime) == {PENDING["name"]: True}
        missing = await ada.post(
            "/admin/automations/disable", data={"csrf": csrf, "automation": "no such"}
        )
        assert missing.status_code == 404
        forged = await ada.post(
            "/admin/automations/remove", data={"csrf": "x", "automation": PENDING["name"]}
        )
        assert forged.status_code == 403
    assert await _states(runtime) == {PENDING["name"]: True}
    async with runtime.stores.read() as store:
        changes = await recent_changes(store, routing_store.KINDS, limit=10)
    assert [(c.user, c.subject, c.data["via"]) for c in changes] == [
        ("Ada Admin", "automation 'unassigned half an hour' removed", "admin"),
        ("Ada Admin", "automation 'solve stale pending' enabled", "admin"),
        ("Ada Admin", "automation 'solve stale pending' disabled", "admin"),
    ]


async def test_supervisors_see_automations_but_do_not_change_them(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    await _configure(runtime)
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        shown = await sam.get("/admin/automations")
        assert shown.status_code == 200 and "solve stale pending" in shown.text
        assert 'action="/admin/automations/disable"' not in shown.text
        refused = await sam.post(
            "/admin/automations/disable",
            data={"csrf": csrf_in(shown.text), "automation": PENDING["name"]},
        )
        assert refused.status_code == 403
    async with clients() as bea:
        await sign_in(bea, "bea@example.test")
        assert (await bea.get("/admin/automations")).status_code == 403
    assert await _states(runtime) == {PENDING["name"]: True, UNASSIGNED["name"]: True}
