"""Macros in the admin pages: the inbox's composer offers what the admin wrote."""

from __future__ import annotations

from helpdesk import staff_queries
from helpdesk.runtime import Runtime
from tests.admin.conftest import ADMIN_EMAIL, audit_entries
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in


async def test_an_admin_writes_edits_and_deletes_a_macro_the_inbox_offers(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada, clients() as ayse:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        created = await ada.post(
            "/admin/macros",
            data={"csrf": csrf, "name": "Printer reset", "body": "Hi {{customer.first_name}}, "
                  "please restart the printer.", "team_id": str(admin.teams["Support"]),
                  "set_status": "pending"},
        )  # fmt: skip
        assert created.status_code == 303
        page = created.headers["location"].split("?")[0]
        macro_id = int(page.rsplit("/", 1)[1])
        assert "Printer reset" in (await ada.get("/admin/macros")).text
        await sign_in(ayse, "ayse@example.test")
        ticket = await ayse.get(f"/inbox/tickets/{admin.tickets['support']}")
        assert "Printer reset" in ticket.text
        edited = await ada.post(
            page,
            data={"csrf": csrf, "name": "Printer restart", "body": "Please restart it.",
                  "team_id": "", "set_priority": "high"},
        )  # fmt: skip
        assert edited.status_code == 303
        async with runtime.stores.read() as store:
            macro = await staff_queries.macro(store, macro_id)
        assert macro is not None
        assert (macro["name"], macro["team_id"], macro["set_status"], macro["set_priority"]) == (
            "Printer restart",
            None,
            None,
            "high",
        )
        deleted = await ada.post(f"{page}/delete", data={"csrf": csrf})
        assert deleted.status_code == 303
        assert "Printer restart" not in (await ada.get("/admin/macros")).text
    assert (await audit_entries(runtime, "macro_created"))[0]["data"]["name"] == "Printer reset"
    fields = (await audit_entries(runtime, "macro_changed"))[0]["data"]["fields"]
    assert fields == ["body", "name", "set_priority", "set_status", "team_id"]
    entry = (await audit_entries(runtime, "macro_deleted"))[0]
    assert entry["actor_user_id"] == admin.users["ada"] and entry["data"]["macro_id"] == macro_id


async def test_bad_macros_are_refused_at_their_field(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada, clients() as ayse:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await ada.post(
            "/admin/macros",
            data={"csrf": csrf, "name": "", "body": "Hi {{customer.age}}", "team_id": "x",
                  "set_status": "gone", "set_priority": "whenever"},
        )  # fmt: skip
        assert bad.status_code == 422
        for field in ("team_id", "set_status", "set_priority"):
            assert f'id="err-{field}"' in bad.text, field
        unknown = await ada.post(
            "/admin/macros", data={"csrf": csrf, "name": "Age", "body": "Hi {{customer.age}}"}
        )
        assert unknown.status_code == 422
        assert 'id="err-body"' in unknown.text and "unknown variables customer.age" in unknown.text
        assert (await ada.post("/admin/macros", data={"name": "A", "body": "B"})).status_code == 403
        csrf_agent = await sign_in(ayse, "ayse@example.test")
        assert (await ayse.get("/admin/macros")).status_code == 403
        agent = await ayse.post(
            "/admin/macros", data={"csrf": csrf_agent, "name": "A", "body": "B"}
        )
        assert agent.status_code == 403
    async with clients() as nobody:
        assert (await nobody.get("/admin/macros")).status_code == 303
    assert await audit_entries(runtime, "macro_created") == []
