"""Users in the admin pages: create, change role and teams, deactivate (sessions and tokens
stop working), API tokens shown once and revoked; validation per field; audited."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Actor, Role
from helpdesk.errors import Unauthorized, ValidationFailed
from helpdesk.runtime import Runtime
from helpdesk.services import staff
from helpdesk.tables import user_t
from tests.admin.conftest import ADMIN_EMAIL, audit_entries
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import PASSWORD, Directory, csrf_in, sign_in


async def _bearer_works(runtime: Runtime, token: str) -> bool:
    try:
        async with runtime.stores() as store:
            await services.authenticate_token(store, token)
    except Unauthorized:
        return False
    return True


async def test_an_admin_creates_a_user_who_can_then_sign_in(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada, clients() as new:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        listing = await ada.get("/admin/users")
        assert listing.status_code == 200 and "ayse@example.test" in listing.text
        created = await ada.post(
            "/admin/users",
            data={
                "csrf": csrf, "name": "Nil Newcomer", "email": "Nil@Example.test",
                "role": "supervisor", "team_ids": [str(admin.teams["Tech"])],
                "password": PASSWORD,
            },
        )  # fmt: skip
        assert created.status_code == 303
        page = created.headers["location"]
        shown = await ada.get(page)
        assert "<h1>Nil Newcomer</h1>" in shown.text and "nil@example.test" in shown.text
        await sign_in(new, "nil@example.test")
        row = re.search(r"Nil Newcomer</a>.*?</tr>", (await ada.get("/admin/users")).text, re.S)
        assert row and "Tech" in row.group(0) and "never" not in row.group(0)
    entry = (await audit_entries(runtime, "user_created"))[0]
    assert entry["actor_user_id"] == admin.users["ada"]
    assert entry["data"]["email"] == "nil@example.test"
    assert entry["data"]["team_ids"] == [admin.teams["Tech"]]
    assert "password" not in entry["data"]


async def test_bad_input_is_refused_at_its_field(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await ada.post(
            "/admin/users",
            data={
                "csrf": csrf,
                "name": "",
                "email": "not-mail",
                "role": "king",
                "password": "short",
            },
        )
        assert bad.status_code == 422
        for field in ("name", "email", "role", "password"):
            assert f'id="err-{field}"' in bad.text, field
        assert "must be at least 8 characters" in bad.text
        taken = await ada.post(
            "/admin/users",
            data={"csrf": csrf, "name": "Again", "email": "ayse@example.test", "role": "agent"},
        )
        assert taken.status_code == 422 and "another user has this email" in taken.text
        teams = await ada.post(
            "/admin/users",
            data={"csrf": csrf, "name": "T", "email": "t@example.test", "role": "agent",
                  "team_ids": ["999999"]},
        )  # fmt: skip
        assert teams.status_code == 422 and 'id="err-team_ids"' in teams.text
        # The last admin cannot give up the role.
        own = await ada.post(
            f"/admin/users/{admin.users['ada']}",
            data={"csrf": csrf, "name": "Ada Admin", "role": "agent"},
        )
        assert own.status_code == 422 and "the last active admin" in own.text
        tokens = f"/admin/users/{admin.users['tom']}/tokens"
        nameless = await ada.post(tokens, data={"csrf": csrf, "token_name": " "})
        assert nameless.status_code == 422 and 'id="err-token_name"' in nameless.text
        date = await ada.post(
            tokens, data={"csrf": csrf, "token_name": "ci", "expires_on": "31/12/2026"}
        )
        assert date.status_code == 422 and 'id="err-expires_on"' in date.text
        past = await ada.post(
            tokens, data={"csrf": csrf, "token_name": "ci", "expires_on": "2001-01-01"}
        )
        assert past.status_code == 422 and "must be in the future" in past.text
        assert "ad-token" not in nameless.text + date.text + past.text
    assert await audit_entries(runtime, "user_created") == []
    assert await audit_entries(runtime, "user_changed") == []
    assert await audit_entries(runtime, "token_created") == []


async def test_role_and_team_changes_deactivation_and_tokens(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    tom = admin.users["tom"]
    async with clients() as ada, clients() as tom_browser:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        await sign_in(tom_browser, "tom@example.test")
        changed = await ada.post(
            f"/admin/users/{tom}",
            data={"csrf": csrf, "name": "Tom Lead", "role": "supervisor",
                  "team_ids": [str(admin.teams["Support"]), str(admin.teams["Tech"])]},
        )  # fmt: skip
        assert changed.status_code == 303
        issued = await ada.post(
            f"/admin/users/{tom}/tokens", data={"csrf": csrf, "token_name": "reporting script"}
        )
        assert issued.status_code == 200
        token = re.search(r'<code class="ad-token">([^<]+)</code>', issued.text)
        assert token is not None
        assert await _bearer_works(runtime, token.group(1))
        # Shown once: the page afterwards lists the token by name, never its value.
        again = await ada.get(f"/admin/users/{tom}")
        assert "reporting script" in again.text and token.group(1) not in again.text
        off = await ada.post(f"/admin/users/{tom}/active", data={"csrf": csrf, "active": "0"})
        assert off.status_code == 303
        assert (await tom_browser.get("/inbox")).status_code == 303  # signed out at once
        assert not await _bearer_works(runtime, token.group(1))
        login = await tom_browser.get("/login")
        failed = await tom_browser.post(
            "/login",
            data={"email": "tom@example.test", "password": PASSWORD, "csrf": csrf_in(login.text)},
        )
        assert failed.status_code != 303  # a deactivated user cannot sign in again
        on = await ada.post(f"/admin/users/{tom}/active", data={"csrf": csrf, "active": "1"})
        assert on.status_code == 303
        assert (await tom_browser.get("/inbox")).status_code == 303  # the old session stays dead
        assert await _bearer_works(runtime, token.group(1))
        token_id = re.search(r"/tokens/(\d+)/revoke", again.text)
        assert token_id is not None
        revoked = await ada.post(
            f"/admin/users/{tom}/tokens/{token_id.group(1)}/revoke", data={"csrf": csrf}
        )
        assert revoked.status_code == 303
        assert not await _bearer_works(runtime, token.group(1))
        assert "revoked" in (await ada.get(f"/admin/users/{tom}")).text
        async with runtime.stores() as store:
            bot = await services.create_user(
                store, email="faq@example.test", name="FAQ", role=Role.BOT
            )
        as_agent = await ada.post(
            f"/admin/users/{bot}", data={"csrf": csrf, "name": "FAQ", "role": "agent"}
        )
        assert as_agent.status_code == 404  # a bot is configured with its channel
        self_off = await ada.post(
            f"/admin/users/{admin.users['ada']}/active", data={"csrf": csrf, "active": "0"}
        )
        assert self_off.status_code == 409 and "cannot deactivate yourself" in self_off.text
    change = (await audit_entries(runtime, "user_changed"))[0]["data"]["changes"]
    assert change["role"] == {"old": "agent", "new": "supervisor"}
    assert change["name"] == {"old": "Tom Agent", "new": "Tom Lead"}
    assert change["team_ids"]["new"] == sorted([admin.teams["Support"], admin.teams["Tech"]])
    assert len(await audit_entries(runtime, "user_deactivated")) == 1
    assert len(await audit_entries(runtime, "user_reactivated")) == 1
    assert (await audit_entries(runtime, "token_created"))[0]["data"]["name"] == "reporting script"
    assert len(await audit_entries(runtime, "token_revoked")) == 1


async def test_only_admins_with_a_form_token_manage_users(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada, clients() as sam, clients() as ayse, clients() as nobody:
        await sign_in(ada, ADMIN_EMAIL)
        no_csrf = await ada.post(
            "/admin/users", data={"name": "X", "email": "x@example.test", "role": "admin"}
        )
        assert no_csrf.status_code == 403
        for client, email in ((sam, "sam@example.test"), (ayse, "ayse@example.test")):
            csrf = await sign_in(client, email)
            assert (await client.get("/admin/users")).status_code == 403
            raised = await client.post(
                f"/admin/users/{admin.users['ayse']}",
                data={"csrf": csrf, "name": "Ayşe", "role": "admin"},
            )
            assert raised.status_code == 403
        assert (await nobody.get(f"/admin/users/{admin.users['tom']}")).status_code == 303
        assert isinstance(nobody, httpx.AsyncClient)
    assert await audit_entries(runtime, "user_created") == []
    assert await audit_entries(runtime, "user_changed") == []


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(runtime: Runtime) -> None:
    """Each change sees the other admin still active when it starts; only one may win. On
    PostgreSQL both transactions are open before either reads; SQLite runs one writer at a time."""
    async with runtime.stores() as store:
        ids = [
            await services.create_user(
                store, email=f"{n}@example.test", name=n.title(), role=Role.ADMIN
            )
            for n in ("ann", "bob")
        ]
    concurrent = runtime.settings.database_url.startswith("postgresql")
    both_started = asyncio.Barrier(2)

    async def demote(me: int, other: int) -> str:
        try:
            async with runtime.stores() as store:
                if concurrent:
                    await both_started.wait()
                await staff.change_user(
                    store, Actor.user(me), other, name="Demoted", role="agent", team_ids=()
                )
        except ValidationFailed as exc:
            return str(exc.errors["role"])
        return "done"

    outcomes = await asyncio.gather(demote(ids[0], ids[1]), demote(ids[1], ids[0]))
    assert sorted(outcomes) == ["done", "the last active admin must stay an admin"]
    async with runtime.stores() as store:
        found = await store.execute(select(user_t.c.role).where(user_t.c.id.in_(ids)))
        roles = [str(role) for role in found.scalars()]
    assert sorted(roles) == [Role.ADMIN.value, Role.AGENT.value]
