"""The ticket page says when a reply reached nobody, and why, so the agent knows the customer
did not get it."""

from __future__ import annotations

import re

from helpdesk.runtime import Runtime
from tests.fixtures_db import scheduler_of
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in


async def test_a_reply_without_a_mailbox_shows_not_sent_with_the_reason(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        page = (await ayse.get(f"/inbox/tickets/{ticket}")).text
        seen = re.search(r'name="last_seen" value="(\d+)"', page)
        assert seen is not None
        posted = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf, "text": "We are on our way.", "last_seen": seen.group(1)},
        )
        assert posted.status_code in (200, 303), posted.text
        await scheduler_of(runtime).drain()
        shown = (await ayse.get(f"/inbox/tickets/{ticket}")).text
    assert "Not sent: no email channel is set up" in shown
    assert "✓ Sent" not in shown
