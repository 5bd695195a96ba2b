"""Who may open the admin pages, and what the home page offers them."""

from __future__ import annotations

from tests.admin.conftest import ADMIN_EMAIL
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in


async def test_admins_and_supervisors_get_the_admin_home_agents_a_403(
    admin: Directory, clients: ClientFactory
) -> None:
    async with clients() as ada, clients() as ayse, clients() as nobody:
        await sign_in(ada, ADMIN_EMAIL)
        inbox = await ada.get("/inbox")
        assert 'href="/admin"' in inbox.text
        home = await ada.get("/admin")
        assert home.status_code == 200
        assert "<h1>Administration</h1>" in home.text
        await sign_in(ayse, "ayse@example.test")
        assert 'href="/admin"' not in (await ayse.get("/inbox")).text
        assert (await ayse.get("/admin")).status_code == 403
        assert (await nobody.get("/admin")).status_code == 303


async def test_the_admin_home_speaks_turkish(admin: Directory, clients: ClientFactory) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        await ada.post(
            "/inbox/preferences", data={"csrf": csrf, "language": "tr", "timezone": "UTC"}
        )
        assert "<h1>Yönetim</h1>" in (await ada.get("/admin")).text


async def test_the_rail_lists_the_sections_in_a_working_order(
    admin: Directory, clients: ClientFactory
) -> None:
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        rail = (await ada.get("/admin")).text
        places = [rail.index(f'href="/admin/{key}"') for key in ("teams", "users", "macros",
                  "templates", "audit")]  # fmt: skip
        assert places == sorted(places)
