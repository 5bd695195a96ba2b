"""The ticket page's actions over HTTP: stale-send guard, notes with mentions, macros,
assignment, views with counts and keyset pages."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from helpdesk import services
from helpdesk.domain import Priority, Status
from helpdesk.runtime import Runtime
from helpdesk.tables import message_t, notification_t, ticket_t
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, customer_writes, sign_in


def _last_seen(html: str) -> str:
    found = re.search(r'name="last_seen" value="(\d+)"', html)
    assert found
    return found.group(1)


async def _outbound(rt: Runtime, ticket_id: int) -> list[str]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(message_t.c.text)
            .where(message_t.c.ticket_id == ticket_id, message_t.c.direction == "outbound")
            .order_by(message_t.c.id)
        )
        return [r.text for r in rows]


async def test_a_reply_composed_before_a_newer_customer_message_is_held_back(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        seen = _last_seen((await ayse.get(f"/inbox/tickets/{ticket}")).text)
        await customer_writes(
            runtime, "support-2", "jane@example.com", "Jane Doe", "Re: Printer on fire",
            "Update: the fire brigade is here.", references=("<support-1@example.com>",),
        )  # fmt: skip
        held = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf, "text": "Have you tried turning it off?", "last_seen": seen},
        )
        assert held.status_code == 409
        assert "Your reply was not sent." in held.text
        assert "the fire brigade is here." in held.text
        assert "Have you tried turning it off?</textarea>" in held.text
        assert ">Send anyway</button>" in held.text
        assert await _outbound(runtime, ticket) == []

        sent = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf, "text": "Stay safe, we call you.", "force": "1",
                  "last_seen": _last_seen(held.text)},
        )  # fmt: skip
        assert sent.status_code == 303
        assert await _outbound(runtime, ticket) == ["Stay safe, we call you."]


async def test_another_agents_reply_also_makes_a_send_stale_but_my_own_does_not(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    async with clients() as ayse, clients() as bea:
        csrf_a = await sign_in(ayse, "ayse@example.test")
        csrf_b = await sign_in(bea, "bea@example.test")
        seen_a = _last_seen((await ayse.get(f"/inbox/tickets/{ticket}")).text)
        seen_b = _last_seen((await bea.get(f"/inbox/tickets/{ticket}")).text)
        first = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf_a, "text": "On it.", "last_seen": seen_a},
        )
        assert first.status_code == 303
        # Ayşe's own earlier reply does not block her next one.
        again = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf_a, "text": "Also: unplug it.", "last_seen": seen_a},
        )
        assert again.status_code == 303
        late = await bea.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf_b, "text": "Hello from Bea", "last_seen": seen_b},
        )
        assert late.status_code == 409 and "On it." in late.text
        assert await _outbound(runtime, ticket) == ["On it.", "Also: unplug it."]


async def test_a_note_mentioning_a_colleague_notifies_them(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    async with clients() as ayse, clients() as bea:
        csrf = await sign_in(ayse, "ayse@example.test")
        await sign_in(bea, "bea@example.test")
        before = await bea.get("/inbox")
        assert re.search(r'id="unread">0<', before.text)
        note = await ayse.post(
            f"/inbox/tickets/{ticket}/note",
            data={"csrf": csrf, "text": "@bea can you call Jane? (cc @nobody)"},
        )
        assert note.status_code == 303
        after = await bea.get("/inbox/notifications")
        assert re.search(r'id="unread">1<', after.text)
        assert "Ayşe Agent mentioned you on #" in after.text
        page = await ayse.get(f"/inbox/tickets/{ticket}")
        assert "msg-note" in page.text and "@bea can you call Jane?" in page.text
    async with runtime.stores() as store:
        who = (await store.execute(select(notification_t.c.user_id))).scalars().all()
    assert who == [directory.users["bea"]]


async def test_taking_a_ticket_assigns_it_and_moves_it_between_views(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        unassigned = await ayse.get("/inbox?view=unassigned")
        assert "Printer on fire" in unassigned.text
        took = await ayse.post(f"/inbox/tickets/{ticket}/take", data={"csrf": csrf})
        assert took.status_code == 303
        tagged = await ayse.post(
            f"/inbox/tickets/{ticket}/properties",
            data={"csrf": csrf, "tags": "VIP, hardware  Hardware", "priority": "urgent"},
        )
        assert tagged.status_code == 303
        assert "Printer on fire" not in (await ayse.get("/inbox?view=unassigned")).text
        mine = await ayse.get("/inbox?view=mine")
        assert "Printer on fire" in mine.text
        assert re.search(r'view=mine"[^>]*><span>Mine</span> <span class="count">1<', mine.text)
    async with runtime.stores() as store:
        row = (
            await store.execute(
                select(ticket_t.c.assignee_id, ticket_t.c.tags, ticket_t.c.priority).where(
                    ticket_t.c.id == ticket
                )
            )
        ).one()
    assert row.assignee_id == directory.users["ayse"]
    assert (row.tags, row.priority) == (["hardware", "vip"], "urgent")


async def test_a_macro_fills_the_reply_and_sets_its_fields_on_send(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    async with runtime.stores() as store:
        macro = await services.create_macro(
            store, "Ask for details",
            "Hello {{customer.first_name}}, could you send a photo of #{{ticket.number}}? "
            "{{agent.first_name}}",
            team_id=directory.teams["Support"], set_status=Status.PENDING,
            set_priority=Priority.HIGH,
        )  # fmt: skip
        other = await services.create_macro(
            store, "Tech only", "Hi", team_id=directory.teams["Tech"]
        )
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        page = await ayse.get(f"/inbox/tickets/{ticket}?macro={macro}")
        assert "Tech only" not in page.text
        assert (await ayse.get(f"/inbox/tickets/{ticket}?macro={other}")).status_code == 404
        text = re.search(
            r'<textarea id="reply-text" name="text"[^>]*>([^<]*)</textarea>', page.text
        )
        assert text and text.group(1).startswith("Hello Jane, could you send a photo of #")
        assert text.group(1).endswith("? Ayşe")
        sent = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf, "text": text.group(1), "macro_id": str(macro),
                  "last_seen": _last_seen(page.text)},
        )  # fmt: skip
        assert sent.status_code == 303
    async with runtime.stores() as store:
        row = (
            await store.execute(
                select(ticket_t.c.status, ticket_t.c.priority).where(ticket_t.c.id == ticket)
            )
        ).one()
    assert (row.status, row.priority) == ("pending", "high")


async def test_views_page_with_a_keyset_cursor_and_filter(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    for i in range(55):
        await customer_writes(
            runtime, f"bulk-{i}", f"c{i}@example.com", f"Customer {i}", f"Bulk question {i}", "?"
        )
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        first = await sam.get("/inbox?view=triage")
        subjects = re.findall(r'<span class="subject">([^<]+)</span>', first.text)
        assert len(subjects) == 50
        more = re.search(r'href="(/inbox\?[^"]*cursor=[^"]+)"', first.text)
        assert more
        second = await sam.get(more.group(1).replace("&amp;", "&"))
        rest = re.findall(r'<span class="subject">([^<]+)</span>', second.text)
        assert set(subjects).isdisjoint(rest)
        assert len(subjects) + len(rest) == 57
        filtered = await sam.get("/inbox?view=all&channel=telegram")
        assert "No tickets waiting here" in filtered.text
        bad = await sam.get("/inbox?view=all&priority=extreme")
        assert bad.status_code == 422
    async with runtime.stores() as store:
        total = (await store.execute(select(func.count()).select_from(ticket_t))).scalar_one()
    assert total == 57
