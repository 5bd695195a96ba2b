"""The SLA panel on an inbox ticket page: the clock's state, how long is left or how late it is,
the level reached, and why it is due when it is; only for people who may see the ticket."""

from __future__ import annotations

from helpdesk import services
from helpdesk.domain import Role
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import PASSWORD, sign_in
from tests.supervisor.scene import Scene


async def test_the_panel_counts_down_then_shows_the_breach_and_why(
    desk_scene: Scene, clients: ClientFactory
) -> None:
    url = f"/inbox/tickets/{desk_scene.ticket}/sla"
    async with clients() as ana:
        await sign_in(ana, "ana@example.test")
        page = await ana.get(f"/inbox/tickets/{desk_scene.ticket}")
        assert f'hx-get="{url}"' in page.text and 'hx-trigger="load, every 30s"' in page.text
        before = await ana.get(url)
        assert before.status_code == 200
        first = before.text.split('data-metric="first_reply"')[1].split("</li>\n")[0]
        assert "First reply" in before.text and "Running" in first and "due in 1 hr" in first
        # Opened Monday 16:30 Istanbul with a one-hour target: due 17:30 there, 14:30 UTC.
        assert "Why is this due at Jun 1, 2026, 2:30:00" in first
        assert "Started" in first and "1 hr left, due Jun 1, 2026, 2:30:00" in first
        await desk_scene.breach()
        after = (await ana.get(url)).text
        first = after.split('data-metric="first_reply"')[1].split("</li>\n")[0]
        assert "Breached" in first and "10 min late" in first and "Level 2" in first


async def test_someone_who_may_not_see_the_ticket_gets_no_panel(
    desk_scene: Scene, clients: ClientFactory
) -> None:
    async with desk_scene.desk.rt.stores() as store:
        await services.create_user(
            store, email="tom@example.test", name="Tom", role=Role.AGENT, password=PASSWORD
        )
    async with clients() as tom, clients() as nobody:
        await sign_in(tom, "tom@example.test")
        refused = await tom.get(f"/inbox/tickets/{desk_scene.ticket}/sla")
        assert refused.status_code in (403, 404)
        assert "First reply" not in refused.text
        assert (await nobody.get(f"/inbox/tickets/{desk_scene.ticket}/sla")).status_code == 303
