"""The inbox's tag filter: a view narrowed to a tag from the filter bar or a row's tag chip,
carried through its pages, saved with a view, refused when too long; in Turkish too."""

from __future__ import annotations

import re

import httpx

from helpdesk import services
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, customer_writes, sign_in


def _subjects(html: str) -> list[str]:
    return re.findall(r'<span class="subject">([^<]+)</span>', html)


async def _tagged(runtime: Runtime, directory: Directory, clock: FixedClock) -> None:
    support, tech = directory.teams["Support"], directory.teams["Tech"]
    for i, (subject, team, tags) in enumerate((
        ("Refund for order 17", support, ["refund", "VIP"]),
        ("Laptop will not boot", tech, ["vip"]),
        ("Refund twice", support, ["refund"]),
        ("Where is my parcel", support, []),
    )):  # fmt: skip
        clock.advance(seconds=1)
        ticket = await customer_writes(runtime, f"tag-{i}", f"t{i}@example.com", "T", subject, "Hi")
        async with runtime.stores() as store:
            await services.update_ticket(store, ticket, Actor.system(),
                                         TicketChanges(team_id=team, tags=tags))  # fmt: skip


async def _follow(client: httpx.AsyncClient, url: str) -> list[str]:
    found: list[str] = []
    while True:
        page = await client.get(url)
        assert page.status_code == 200, page.text
        found += _subjects(page.text)
        more = re.search(r'href="(/inbox\?[^"]*cursor=[^"]+)"', page.text)
        if not more:
            return found
        url = more.group(1).replace("&amp;", "&")


async def test_a_tag_narrows_the_view_and_each_row_links_its_tags(
    runtime: Runtime, clients: ClientFactory, directory: Directory, clock: FixedClock
) -> None:
    await _tagged(runtime, directory, clock)
    async with clients() as ayse:  # Support only
        await sign_in(ayse, "ayse@example.test")
        support = directory.teams["Support"]
        whole = await ayse.get(f"/inbox?view=team-{support}&sort=updated")
        assert f'href="/inbox?view=team-{support}&amp;tag=refund"' in whole.text
        assert "Tickets tagged vip" in whole.text  # the chip's accessible name
        assert await _follow(ayse, f"/inbox?view=team-{support}&sort=updated&tag=refund") == [
            "Refund twice",
            "Refund for order 17",
        ]
        # Typed as a person would: normalised like the tags themselves.
        assert await _follow(ayse, f"/inbox?view=team-{support}&tag=+VIP+") == [
            "Refund for order 17"
        ]
        # Tech's VIP ticket is not hers to see, in any view.
        assert await _follow(ayse, "/inbox?view=unassigned&tag=vip") == ["Refund for order 17"]
        long = await ayse.get(f"/inbox?view=team-{support}&tag={'x' * 101}")
        assert long.status_code == 422 and "tag" in long.text
        await services_turkish(runtime, directory)
        turkish = await ayse.get(f"/inbox?view=team-{support}&tag=refund")
        assert "refund etiketli" in turkish.text
        assert ">Etiket<" in turkish.text
        assert "vip etiketli talepler" in turkish.text


async def services_turkish(runtime: Runtime, directory: Directory) -> None:
    async with runtime.stores() as store:
        await services.update_preferences(
            store, directory.users["ayse"], language="tr", timezone="Europe/Istanbul"
        )


async def test_a_saved_view_keeps_its_tag(
    runtime: Runtime, clients: ClientFactory, directory: Directory, clock: FixedClock
) -> None:
    await _tagged(runtime, directory, clock)
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        support = directory.teams["Support"]
        saved = await ayse.post(
            "/inbox/views",
            data={"csrf": csrf, "view": f"team-{support}", "name": "Refunds",
                  "scope": "personal", "tag": "refund", "sort": "updated"},
        )  # fmt: skip
        assert saved.status_code == 303, saved.text
        page = await ayse.get(saved.headers["location"])
        rail = re.search(r"view=(saved-\d+)", saved.headers["location"])
        assert rail and "Refunds" in page.text
        assert await _follow(ayse, f"/inbox?view={rail.group(1)}") == [
            "Refund twice",
            "Refund for order 17",
        ]
