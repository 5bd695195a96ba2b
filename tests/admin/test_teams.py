"""Teams in the admin pages: who may do what, validation per field, and the audit trail."""

from __future__ import annotations

from helpdesk import staff_queries
from helpdesk.runtime import Runtime
from tests.admin.conftest import ADMIN_EMAIL, audit_entries
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in


async def test_an_admin_creates_renames_staffs_and_deletes_a_team(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        listing = await ada.get("/admin/teams")
        assert listing.status_code == 200
        assert "Support" in listing.text and "Tech" in listing.text
        created = await ada.post("/admin/teams", data={"csrf": csrf, "name": " Billing "})
        assert created.status_code == 303
        page = created.headers["location"]
        team_id = int(page.rsplit("/", 1)[1])
        renamed = await ada.post(
            page, data={"csrf": csrf, "name": "Invoices", "email": "invoices@example.test"}
        )
        assert renamed.status_code == 303
        added = await ada.post(
            f"{page}/members", data={"csrf": csrf, "user_id": str(admin.users["tom"])}
        )
        assert added.status_code == 303
        shown = await ada.get(page)
        assert "<h1>Invoices</h1>" in shown.text and "Tom Agent" in shown.text
        listing = await ada.get("/admin/teams")
        assert "Invoices" in listing.text
        removed = await ada.post(f"{page}/members/{admin.users['tom']}/remove", data={"csrf": csrf})
        assert removed.status_code == 303
        deleted = await ada.post(f"{page}/delete", data={"csrf": csrf})
        assert deleted.status_code == 303
    async with runtime.stores.read() as store:
        assert await staff_queries.team(store, team_id) is None
    ada_id = admin.users["ada"]
    created_entry = (await audit_entries(runtime, "team_created"))[0]
    assert created_entry["actor_user_id"] == ada_id and created_entry["data"]["name"] == "Billing"
    changed = (await audit_entries(runtime, "team_changed_settings"))[0]["data"]["changes"]
    assert changed["name"] == {"old": "Billing", "new": "Invoices"}
    assert (await audit_entries(runtime, "member_added"))[0]["data"] == {
        "team_id": team_id,
        "user_id": admin.users["tom"],
    }
    assert len(await audit_entries(runtime, "member_removed")) == 1
    assert (await audit_entries(runtime, "team_deleted"))[0]["data"]["name"] == "Invoices"


async def test_bad_input_is_refused_at_its_field_and_a_used_team_is_kept(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        empty = await ada.post("/admin/teams", data={"csrf": csrf, "name": "  "})
        assert empty.status_code == 422
        assert 'id="err-name"' in empty.text and "a team needs a name" in empty.text
        taken = await ada.post("/admin/teams", data={"csrf": csrf, "name": "Support"})
        assert taken.status_code == 422 and "another team has this name" in taken.text
        mail = await ada.post("/admin/teams", data={"csrf": csrf, "name": "X", "email": "nope"})
        assert mail.status_code == 422 and 'id="err-email"' in mail.text
        boss = await ada.post(
            "/admin/teams", data={"csrf": csrf, "name": "X", "supervisor_id": "abc"}
        )
        assert boss.status_code == 422 and 'id="err-supervisor_id"' in boss.text
        nobody = await ada.post(
            f"/admin/teams/{admin.teams['Tech']}/members", data={"csrf": csrf, "user_id": "999999"}
        )
        assert nobody.status_code == 422 and "no staff member with id 999999" in nobody.text
        # Support has a ticket: deleting it would orphan the ticket.
        used = await ada.post(f"/admin/teams/{admin.teams['Support']}/delete", data={"csrf": csrf})
        assert used.status_code == 409 and "still has tickets" in used.text
        missing = await ada.get("/admin/teams/999999")
        assert missing.status_code == 404
    assert await audit_entries(runtime, "team_created") == []
    assert await audit_entries(runtime, "team_deleted") == []


async def test_roles_csrf_and_signed_out_visitors(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada, clients() as ayse, clients() as sam, clients() as nobody:
        await sign_in(ada, ADMIN_EMAIL)
        no_token = await ada.post("/admin/teams", data={"name": "Sneaky"})
        assert no_token.status_code == 403
        agent_csrf = await sign_in(ayse, "ayse@example.test")
        assert (await ayse.get("/admin/teams")).status_code == 403
        forbidden = await ayse.post("/admin/teams", data={"csrf": agent_csrf, "name": "Sneaky"})
        assert forbidden.status_code == 403
        assert (await nobody.get("/admin/teams")).status_code == 303
        assert (await nobody.post("/admin/teams", data={"name": "Sneaky"})).status_code == 303
        # A supervisor sees and staffs the teams they lead, and creates none.
        async with runtime.stores() as store:
            from helpdesk.domain import Actor
            from helpdesk.services import staff

            await staff.change_team(
                store, Actor.user(admin.users["ada"]), admin.teams["Tech"], name="Tech",
                supervisor_id=admin.users["sam"],
            )  # fmt: skip
        sam_csrf = await sign_in(sam, "sam@example.test")
        mine = await sam.get("/admin/teams")
        assert mine.status_code == 200 and "Tech" in mine.text and "Support" not in mine.text
        assert "New team" not in mine.text
        tech = f"/admin/teams/{admin.teams['Tech']}"
        added = await sam.post(
            f"{tech}/members", data={"csrf": sam_csrf, "user_id": str(admin.users["bea"])}
        )
        assert added.status_code == 303
        assert "Bea Agent" in (await sam.get(tech)).text
        assert (await sam.get(f"/admin/teams/{admin.teams['Support']}")).status_code == 403
        assert (await sam.post(tech, data={"csrf": sam_csrf, "name": "Mine"})).status_code == 403
        assert (
            await sam.post("/admin/teams", data={"csrf": sam_csrf, "name": "S"})
        ).status_code == 403
    assert await audit_entries(runtime, "team_created") == []
    entry = (await audit_entries(runtime, "member_added"))[0]
    assert entry["actor_user_id"] == admin.users["sam"]


async def test_the_staff_pages_speak_turkish(admin: Directory, clients: ClientFactory) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        await ada.post(
            "/inbox/preferences", data={"csrf": csrf, "language": "tr", "timezone": "UTC"}
        )
        for path, heading in (
            ("/admin/teams", "Ekipler"), ("/admin/users", "Kullanıcılar"),
            ("/admin/macros", "Makrolar"), ("/admin/templates", "Otomatik mesajlar"),
            ("/admin/audit", "Denetim kaydı"),
        ):  # fmt: skip
            assert f"<h1>{heading}</h1>" in (await ada.get(path)).text, path
        assert "Temsilci" in (await ada.get("/admin/users")).text  # roles by name
