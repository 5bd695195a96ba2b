"""Ingest: a message in, the right ticket out — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from channels.base import Bounce, FailedRecipient, Identity, InboundMessage, Machine
from helpdesk import events, services
from helpdesk.domain import Principal, Role, Status
from helpdesk.queries import ticket_detail
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import message_t, quarantine_t, ticket_t
from tests.core.factory import email_in
from tests.support.pg_locks import waits_for_a_lock

ADMIN = Principal(0, Role.ADMIN, frozenset())


async def _count(rt: Runtime, table: object) -> int:
    async with rt.stores() as store:
        return int((await store.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def _status(rt: Runtime, ticket_id: int) -> str:
    async with rt.stores() as store:
        return str(
            (
                await store.execute(select(ticket_t.c.status).where(ticket_t.c.id == ticket_id))
            ).scalar_one()
        )


async def test_first_message_opens_a_numbered_ticket_with_its_requester(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        result = await services.ingest(store, email_in(name="Ayşe Yılmaz"))
    assert result.new and result.opened_ticket
    assert result.ticket_number == 1001
    assert result.ticket_id is not None
    async with runtime.stores() as store:
        detail = await ticket_detail(store, ADMIN, result.ticket_id)
    assert detail.ticket["status"] == "new"
    assert detail.ticket["subject"] == "Printer on fire"
    assert detail.requester["name"] == "Ayşe Yılmaz"
    assert detail.requester["identities"] == [{"kind": "email", "address": "ayse@example.com"}]
    assert [m["text"] for m in detail.messages] == ["Hello, the printer is on fire."]
    # Routing then records what it decided (no classifier here: the ticket waits in triage).
    assert [a["kind"] for a in detail.audit] == ["ticket_created", "language_changed", "triage"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_a_new_ticket_does_not_wait_for_another_still_being_opened(
    runtime: Runtime,
) -> None:
    """Mail arriving together opens tickets side by side: taking a number waits for no other
    transaction (it used to wait on the counter row until the other one committed, so under
    load creates queued one behind another). PostgreSQL only: SQLite has one writer anyway."""
    async with runtime.stores() as first, runtime.db.engine.connect() as watcher:
        opened = await services.ingest(first, email_in(sender="ayse@example.com"))
        other = asyncio.create_task(_open_one(runtime, email_in(sender="mehmet@example.com")))
        # Polled: nothing outside PostgreSQL tells that a statement is waiting for a lock.
        while not other.done() and not await waits_for_a_lock(watcher):
            await asyncio.sleep(0.01)
        assert other.done(), "the second ticket waited for the first one's transaction"
    numbers = {opened.ticket_number, await other}
    assert numbers == {1001, 1002}


async def _open_one(rt: Runtime, message: InboundMessage) -> int | None:
    async with rt.stores() as store:
        return (await services.ingest(store, message)).ticket_number


async def test_the_same_message_twice_is_stored_once(runtime: Runtime) -> None:
    message = email_in()
    async with runtime.stores() as store:
        first = await services.ingest(store, message)
    async with runtime.stores() as store:
        second = await services.ingest(store, message)
    assert second.new is False
    assert (second.ticket_id, second.message_id) == (first.ticket_id, first.message_id)
    assert await _count(runtime, message_t) == 1
    assert await _count(runtime, ticket_t) == 1


async def test_the_same_message_delivered_concurrently_is_stored_once(runtime: Runtime) -> None:
    message = email_in(sender="new.customer@example.com")

    async def deliver() -> tuple[int | None, bool]:
        async with runtime.stores() as store:
            result = await services.ingest(store, message)
        return result.message_id, result.new

    results = await asyncio.gather(*(deliver() for _ in range(8)))
    assert len({message_id for message_id, _ in results}) == 1
    assert sum(1 for _, new in results if new) == 1
    assert await _count(runtime, message_t) == 1
    assert await _count(runtime, ticket_t) == 1


async def test_different_messages_from_one_new_customer_concurrently_make_one_customer(
    runtime: Runtime,
) -> None:
    async def deliver(i: int) -> int | None:
        async with runtime.stores() as store:
            result = await services.ingest(
                store, email_in(sender="burst@example.com", subject=f"q{i}")
            )
        return result.ticket_id

    ticket_ids = await asyncio.gather(*(deliver(i) for i in range(6)))
    assert len(set(ticket_ids)) == 6
    async with runtime.stores() as store:
        requesters = (
            await store.execute(select(func.count(ticket_t.c.requester_id.distinct())))
        ).scalar_one()
    assert requesters == 1


async def test_reply_threads_by_references_and_a_new_voice_joins_as_participant(
    runtime: Runtime,
) -> None:
    first = email_in(external_id="<root@mail.example.com>")
    async with runtime.stores() as store:
        opened = await services.ingest(store, first)
        joined = await services.ingest(
            store,
            email_in(
                sender="colleague@example.com",
                subject="Re: Printer on fire",
                text="Me too.",
                references=("<root@mail.example.com>",),
            ),
        )
    assert joined.ticket_id == opened.ticket_id and not joined.opened_ticket
    assert opened.ticket_id is not None
    async with runtime.stores() as store:
        detail = await ticket_detail(store, ADMIN, opened.ticket_id)
    roles = {p["identities"][0]["address"]: p["role"] for p in detail.participants}
    assert roles == {"ayse@example.com": "requester", "colleague@example.com": "cc"}


async def test_customer_reply_to_solved_ticket_reopens_it(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        opened = await services.ingest(store, email_in(external_id="<s1@x>"))
        assert opened.ticket_id is not None
        await services.update_ticket(
            store, opened.ticket_id, Actor.system(), TicketChanges(status=Status.SOLVED)
        )
    async with runtime.stores() as store:
        again = await services.ingest(store, email_in(text="Still broken", references=("<s1@x>",)))
    assert again.ticket_id == opened.ticket_id
    assert await _status(runtime, opened.ticket_id) == "open"
    async with runtime.stores() as store:
        detail = await ticket_detail(store, ADMIN, opened.ticket_id)
    assert detail.audit[-1]["kind"] == "reopened"
    assert detail.ticket["status"] == "open"


async def test_customer_reply_to_closed_ticket_opens_a_linked_follow_up(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        opened = await services.ingest(store, email_in(external_id="<c1@x>"))
        assert opened.ticket_id is not None
        await services.update_ticket(
            store, opened.ticket_id, Actor.system(), TicketChanges(status=Status.CLOSED)
        )
    async with runtime.stores() as store:
        follow = await services.ingest(store, email_in(text="Again!", references=("<c1@x>",)))
    assert follow.opened_ticket and follow.ticket_id != opened.ticket_id
    assert follow.ticket_id is not None
    async with runtime.stores() as store:
        detail = await ticket_detail(store, ADMIN, follow.ticket_id)
        old = await ticket_detail(store, ADMIN, opened.ticket_id)
    assert detail.ticket["follow_up_of_id"] == opened.ticket_id
    assert old.ticket["status"] == "closed"
    assert old.audit[-1]["kind"] == "follow_up_created"


async def test_subject_tag_threads_only_for_participants(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        opened = await services.ingest(store, email_in())
        tagged = await services.ingest(
            store, email_in(subject="RE: [#1001] Printer", ticket_number=1001)
        )
        stranger = await services.ingest(
            store,
            email_in(sender="mallory@evil.test", subject="[#1001] hijack", ticket_number=1001),
        )
    assert tagged.ticket_id == opened.ticket_id
    assert stranger.opened_ticket and stranger.ticket_id != opened.ticket_id


async def test_signed_reply_token_threads_and_a_forged_one_does_not(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        opened = await services.ingest(store, email_in())
        token = (
            await store.execute(select(ticket_t.c.token).where(ticket_t.c.id == opened.ticket_id))
        ).scalar_one()
        tag = store.signer.sign_ticket_token(token)
        genuine = await services.ingest(store, email_in(sender="x@y.test", ticket_token=tag))
        forged = await services.ingest(
            store, email_in(sender="x@y.test", ticket_token=token + "-aaaaaaaaaa")
        )
    assert genuine.ticket_id == opened.ticket_id
    assert forged.opened_ticket


async def test_auto_reply_joins_its_ticket_without_reopening_it(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        opened = await services.ingest(store, email_in(external_id="<a1@x>"))
        assert opened.ticket_id is not None
        await services.update_ticket(
            store, opened.ticket_id, Actor.system(), TicketChanges(status=Status.SOLVED)
        )
        ooo = await services.ingest(
            store,
            email_in(
                subject="Automatic reply: Printer",
                references=("<a1@x>",),
                machine=Machine.AUTO_REPLY,
            ),
        )
    assert ooo.ticket_id == opened.ticket_id
    assert await _status(runtime, opened.ticket_id) == "solved"


async def test_auto_reply_to_nothing_is_quarantined_not_a_ticket(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        result = await services.ingest(
            store, email_in(subject="Out of Office", machine=Machine.AUTO_REPLY), raw=b"raw bytes"
        )
    assert result.ticket_id is None and result.quarantine_id is not None
    assert await _count(runtime, ticket_t) == 0
    async with runtime.stores() as store:
        raw = (await store.execute(select(quarantine_t.c.raw))).scalar_one()
    assert raw == b"raw bytes"


async def test_bounce_marks_our_reply_failed_and_opens_nothing(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        opened = await services.ingest(store, email_in())
        assert opened.ticket_id is not None
        posted = await services.reply(store, opened.ticket_id, Actor.system(), "We are on it")
    await _drain(runtime)
    async with runtime.stores() as store:
        # Our outbound message's Message-ID as the email channel would record it.
        from helpdesk.ports import DeliveryReceipt
        from helpdesk.services import outbox

        await outbox.complete(store, posted.outbox_id or 0, DeliveryReceipt("<out1@help.test>"))
        bounce = await services.ingest(
            store,
            email_in(
                sender="mailer-daemon@mx.example.com",
                subject="Undelivered Mail Returned to Sender",
                machine=Machine.BOUNCE,
                bounce=Bounce(
                    "<out1@help.test>",
                    (FailedRecipient("ayse@example.com", "5.1.1", permanent=True),),
                ),
            ),
        )
    assert bounce.ticket_id == opened.ticket_id and not bounce.opened_ticket
    assert await _count(runtime, ticket_t) == 1
    async with runtime.stores() as store:
        row = (
            await store.execute(
                select(message_t.c.delivery_state, message_t.c.delivery_error).where(
                    message_t.c.id == posted.message_id
                )
            )
        ).one()
    assert row.delivery_state == "failed"
    assert "5.1.1" in row.delivery_error


async def test_chat_conversation_continues_until_closed_then_starts_fresh(
    runtime: Runtime,
) -> None:
    def chat(text: str, n: int) -> object:
        return email_in(
            channel="telegram",
            external_id=f"bot1:{n}",
            subject="",
            text=text,
            conversation_key="telegram:bot1:42",
            follow_up_policy="new",
        )

    async with runtime.stores() as store:
        a = await services.ingest(store, chat("hi", 1))  # type: ignore[arg-type]
        b = await services.ingest(store, chat("still there?", 2))  # type: ignore[arg-type]
        assert a.ticket_id is not None
        await services.update_ticket(
            store, a.ticket_id, Actor.system(), TicketChanges(status=Status.CLOSED)
        )
        c = await services.ingest(store, chat("new problem", 3))  # type: ignore[arg-type]
        d = await services.ingest(store, chat("details", 4))  # type: ignore[arg-type]
    assert a.ticket_id == b.ticket_id
    assert c.opened_ticket and c.ticket_id != a.ticket_id
    assert d.ticket_id == c.ticket_id
    async with runtime.stores() as store:
        detail = await ticket_detail(store, ADMIN, c.ticket_id or 0)
    assert detail.ticket["follow_up_of_id"] is None
    assert detail.ticket["subject"] == "new problem"


async def test_merge_keeps_both_histories_and_routes_later_replies_to_the_target(
    runtime: Runtime,
) -> None:
    async with runtime.stores() as store:
        source = await services.ingest(store, email_in(external_id="<src@x>", subject="A"))
        target = await services.ingest(
            store, email_in(sender="bob@example.com", external_id="<dst@x>", subject="B")
        )
        assert source.ticket_id and target.ticket_id
        await services.merge_tickets(store, source.ticket_id, target.ticket_id, Actor.system())
    async with runtime.stores() as store:
        later = await services.ingest(store, email_in(text="any news?", references=("<src@x>",)))
    assert later.ticket_id == target.ticket_id
    async with runtime.stores() as store:
        detail = await ticket_detail(store, ADMIN, target.ticket_id)
        old = await ticket_detail(store, ADMIN, source.ticket_id)
    assert [m["text"] for m in detail.messages][-1] == "any news?"
    assert {m["ticket_id"] for m in detail.messages} == {source.ticket_id, target.ticket_id}
    assert detail.merged_from == [source.ticket_id]
    assert old.ticket["status"] == "closed" and old.ticket["merged_into_id"] == target.ticket_id
    assert {p["identities"][0]["address"] for p in detail.participants} == {
        "ayse@example.com",
        "bob@example.com",
    }


async def test_cc_recipients_of_the_first_mail_become_participants(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        opened = await services.ingest(
            store, email_in(cc=(Identity("email", "Boss@Example.com", "Boss"),))
        )
        detail = await ticket_detail(store, ADMIN, opened.ticket_id or 0)
    addresses = sorted(p["identities"][0]["address"] for p in detail.participants)
    assert addresses == ["ayse@example.com", "boss@example.com"]


async def _drain(rt: Runtime) -> None:
    from tests.fixtures_db import scheduler_of

    await scheduler_of(rt).drain()


async def test_nul_characters_land_the_same_on_every_database(runtime: Runtime) -> None:
    async with runtime.stores() as store:
        result = await services.ingest(
            store, email_in(subject="bad\x00subject", text="a\x00b", name="Eve\x00")
        )
        detail = await ticket_detail(store, ADMIN, result.ticket_id or 0)
    assert detail.ticket["subject"] == "bad\ufffdsubject"
    assert detail.messages[0]["text"] == "a\ufffdb"


async def test_an_overlong_message_id_is_idempotent_and_threads_on_every_database(
    runtime: Runtime,
) -> None:
    long_id = "<" + "x" * 2000 + "@broken.example>"
    async with runtime.stores() as store:
        first = await services.ingest(store, email_in(external_id=long_id))
        again = await services.ingest(store, email_in(external_id=long_id))
        reply = await services.ingest(store, email_in(text="more", references=(long_id,)))
    assert first.new
    assert not again.new
    assert reply.ticket_id == first.ticket_id


async def test_events_tell_the_opening_message_and_a_bot_first_ticket(runtime: Runtime) -> None:
    """Subscribers decide from these without reading: routing and the FAQ bot leave the message
    that opened a ticket to the ticket's own handling, and the FAQ bot looks only at tickets a
    bot answers first."""
    seen: list[events.Event] = []

    async def record(event: events.Event) -> None:
        seen.append(event)

    runtime.bus.subscribe(events.TicketCreated, record)
    runtime.bus.subscribe(events.MessageAdded, record)
    async with runtime.stores() as store:
        bot = await services.create_user(store, email="faq@help.test", name="FAQ", role=Role.BOT)
        await services.bots.set_bot_first(store, "email", bot)
        await services.ingest(store, email_in(external_id="<root@mail.example.com>"))
    async with runtime.stores() as store:
        await services.ingest(
            store,
            email_in(
                external_id="<more@mail.example.com>", references=("<root@mail.example.com>",)
            ),
        )
    async with runtime.stores() as store:
        await services.bots.set_bot_first(store, "email", None)
        await services.ingest(store, email_in(external_id="<other@mail.example.com>"))
    assert [
        (type(e).__name__, getattr(e, "with_bot", None), getattr(e, "opens_ticket", None))
        for e in seen
    ] == [
        ("TicketCreated", True, None),
        ("MessageAdded", None, True),
        ("MessageAdded", None, False),
        ("TicketCreated", False, None),
        ("MessageAdded", None, True),
    ]
