"""The ticket page's customer sidebar (customer 360), merge with confirmation, and split a
message into a new ticket — over HTTP against the real app and databases."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from channels.base import Identity
from helpdesk import services
from helpdesk.domain import Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges, surveys
from helpdesk.tables import audit_t, customer_t, message_t, survey_t, ticket_t
from tests.fixtures_db import scheduler_of
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, customer_writes, sign_in


async def _number(rt: Runtime, ticket_id: int) -> int:
    async with rt.stores.read() as store:
        found = await store.execute(select(ticket_t.c.number).where(ticket_t.c.id == ticket_id))
        return int(found.scalar_one())


async def _solve_and_rate(rt: Runtime, ticket_id: int, rating: int, comment: str) -> None:
    """Solve, let the survey go out on the injected clock, and rate it as the customer."""
    assert isinstance(rt.clock, FixedClock)
    async with rt.stores() as store:
        await services.update_ticket(
            store, ticket_id, Actor.system(), TicketChanges(status=Status.SOLVED)
        )
    await scheduler_of(rt).drain()
    rt.clock.advance(hours=1, seconds=1)
    await rt.run_job("csat_reconcile")
    await scheduler_of(rt).drain()
    async with rt.stores() as store:
        survey = (
            (await store.execute(select(survey_t).where(survey_t.c.ticket_id == ticket_id)))
            .mappings()
            .one()
        )
        await surveys.rate(store, survey, rating, comment, timedelta(hours=1))
    await scheduler_of(rt).drain()


def _sidebar(html: str) -> str:
    start = html.index('aria-labelledby="customer-title"')
    return html[start : html.index("</section>", start)]


async def test_the_sidebar_shows_the_customer_across_channels_tickets_and_ratings(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    earlier = await customer_writes(
        runtime, "jane-old", "jane@example.com", "Jane Doe", "Toner delivery",
        "Where is the toner I ordered?",
    )  # fmt: skip
    hidden = await customer_writes(
        runtime, "jane-tech", "jane@example.com", "Jane Doe", "VPN secret subject",
        "The VPN drops every hour.",
    )  # fmt: skip
    async with runtime.stores() as store:
        system = Actor.system()
        for tid, team in ((earlier, "Support"), (hidden, "Tech")):
            await services.update_ticket(
                store, tid, system, TicketChanges(team_id=directory.teams[team])
            )
        jane = (
            await store.execute(select(ticket_t.c.requester_id).where(ticket_t.c.id == ticket))
        ).scalar_one()
        await services.add_identity(store, jane, Identity("telegram", "4242", "Jane D"))
    await _solve_and_rate(runtime, earlier, 4, "Took a week, but it works.")
    earlier_number = await _number(runtime, earlier)

    async with clients() as ayse:
        await sign_in(ayse, "ayse@example.test")
        page = await ayse.get(f"/inbox/tickets/{ticket}")
        assert page.status_code == 200
        side = _sidebar(page.text)
        assert "jane@example.com" in side and "4242" in side
        assert "Telegram" in side
        assert f'href="/inbox/tickets/{earlier}">#{earlier_number} Toner delivery</a>' in side
        assert "Solved" in side
        # The Tech ticket's subject is not Ayşe's to read: only that it exists.
        assert "VPN secret subject" not in page.text
        assert "1 more in teams you do not see" in side
        assert "<strong>4/5</strong>" in side and "Took a week, but it works." in side
        assert re.search(r"<dt>Language</dt><dd>en</dd>", side)
        assert re.search(r"<dt>Time zone</dt><dd>not known</dd>", side)

    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        side = _sidebar((await sam.get(f"/inbox/tickets/{ticket}")).text)
        assert "VPN secret subject" in side
        assert "more in teams you do not see" not in side

    async with runtime.stores.read() as store:
        # The sidebar reads; it does not change the customer.
        row = (await store.execute(select(customer_t).where(customer_t.c.id == jane))).one()
        assert row.name == "Jane Doe"


async def test_merge_asks_for_confirmation_then_moves_the_ticket(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    source = directory.tickets["support"]
    target = await customer_writes(
        runtime, "jane-dup", "jane@example.com", "Jane Doe", "Printer still burning",
        "Did you get my earlier mail?",
    )  # fmt: skip
    async with runtime.stores() as store:
        await services.update_ticket(
            store, target, Actor.system(), TicketChanges(team_id=directory.teams["Support"])
        )
    target_number = await _number(runtime, target)
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        page = await ayse.get(f"/inbox/tickets/{source}")
        assert '<label for="merge-number">Ticket number</label>' in page.text

        no_token = await ayse.post(
            f"/inbox/tickets/{source}/merge", data={"number": str(target_number)}
        )
        assert no_token.status_code == 403

        ask = await ayse.post(
            f"/inbox/tickets/{source}/merge", data={"csrf": csrf, "number": f"#{target_number}"}
        )
        assert ask.status_code == 200
        assert f"Merge into #{target_number}</button>" in ask.text
        async with runtime.stores.read() as store:
            still = await store.execute(
                select(ticket_t.c.merged_into_id).where(ticket_t.c.id == source)
            )
            assert still.scalar_one() is None  # asking merges nothing

        done = await ayse.post(
            f"/inbox/tickets/{source}/merge",
            data={"csrf": csrf, "confirm": "1", "target_id": str(target)},
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/inbox/tickets/{target}"
        merged = await ayse.get(f"/inbox/tickets/{target}")
        assert "The office printer shows error E42" in merged.text
        assert "merged #" in merged.text

        unknown = await ayse.post(
            f"/inbox/tickets/{target}/merge", data={"csrf": csrf, "number": "999999"}
        )
        assert unknown.status_code == 404
        itself = await ayse.post(
            f"/inbox/tickets/{target}/merge", data={"csrf": csrf, "number": str(target_number)}
        )
        assert itself.status_code == 422

    tech_number = await _number(runtime, directory.tickets["tech"])
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        # Another team's ticket is neither shown for confirmation nor merged into.
        ask = await ayse.post(
            f"/inbox/tickets/{target}/merge", data={"csrf": csrf, "number": str(tech_number)}
        )
        assert ask.status_code == 403
        forced = await ayse.post(
            f"/inbox/tickets/{target}/merge",
            data={"csrf": csrf, "confirm": "1", "target_id": str(directory.tickets["tech"])},
        )
        assert forced.status_code == 403
    async with runtime.stores.read() as store:
        found = await store.execute(
            select(ticket_t.c.merged_into_id).where(ticket_t.c.id == target)
        )
        assert found.scalar_one() is None


async def test_a_later_customer_message_splits_into_a_new_ticket(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    await customer_writes(
        runtime, "support-2", "jane@example.com", "Jane Doe", "Re: Printer on fire",
        "Another thing: my invoice for May is missing.", references=("<support-1@example.com>",),
    )  # fmt: skip
    async with runtime.stores.read() as store:
        rows = (
            (
                await store.execute(
                    select(message_t.c.id)
                    .where(message_t.c.ticket_id == ticket)
                    .order_by(message_t.c.id)
                )
            )
            .scalars()
            .all()
        )
    first, second = rows
    number = await _number(runtime, ticket)

    async with clients() as tom:
        tom_csrf = await sign_in(tom, "tom@example.test")
        refused = await tom.post(
            f"/inbox/tickets/{ticket}/messages/{second}/split", data={"csrf": tom_csrf}
        )
        assert refused.status_code == 403

    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        page = (await ayse.get(f"/inbox/tickets/{ticket}")).text
        assert f"/messages/{second}/split" in page
        assert f"/messages/{first}/split" not in page  # the opening message stays

        assert (
            await ayse.post(f"/inbox/tickets/{ticket}/messages/{second}/split", data={})
        ).status_code == 403
        opening = await ayse.post(
            f"/inbox/tickets/{ticket}/messages/{first}/split", data={"csrf": csrf}
        )
        assert opening.status_code == 409
        elsewhere = await ayse.post(
            f"/inbox/tickets/{directory.tickets['tech']}/messages/{second}/split",
            data={"csrf": csrf},
        )
        assert elsewhere.status_code == 403  # Tech's ticket: no access before anything else

        split = await ayse.post(
            f"/inbox/tickets/{ticket}/messages/{second}/split", data={"csrf": csrf}
        )
        assert split.status_code == 303
        new_id = int(split.headers["location"].rsplit("/", 1)[1])
        new_page = await ayse.get(f"/inbox/tickets/{new_id}")
        assert "my invoice for May is missing." in new_page.text
        assert f"opened this ticket from a message of #{number}" in new_page.text
        old_page = await ayse.get(f"/inbox/tickets/{ticket}")
        assert "my invoice for May is missing." not in old_page.text
        assert "split a message off into #" in old_page.text

    async with runtime.stores.read() as store:
        new = (await store.execute(select(ticket_t).where(ticket_t.c.id == new_id))).one()
        old = (await store.execute(select(ticket_t).where(ticket_t.c.id == ticket))).one()
        assert new.requester_id == old.requester_id
        assert new.team_id == directory.teams["Support"] and new.assignee_id is None
        assert new.status == "new" and new.subject == "Re: Printer on fire"
        kinds = {
            (r.ticket_id, r.kind)
            for r in await store.execute(select(audit_t.c.ticket_id, audit_t.c.kind))
        }
        assert (ticket, "split_into") in kinds and (new_id, "split_from") in kinds

    # Jane's reply to the split message now lands in the new ticket.
    follow = await customer_writes(
        runtime, "support-3", "jane@example.com", "Jane Doe", "Re: Re: Printer on fire",
        "It is invoice 2026-05-17.", references=("<support-2@example.com>",),
    )  # fmt: skip
    assert follow == new_id


async def test_presence_needs_the_token_access_and_a_known_state(
    clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    url = f"/inbox/tickets/{ticket}/presence"
    async with clients() as ayse, clients() as tom:
        csrf = await sign_in(ayse, "ayse@example.test")
        tom_csrf = await sign_in(tom, "tom@example.test")
        assert (await ayse.post(url, data={"state": "viewing"})).status_code == 403
        ok = await ayse.post(url, data={"state": "typing"}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 204
        odd = await ayse.post(url, data={"state": "dancing"}, headers={"X-CSRF-Token": csrf})
        assert odd.status_code == 422
        # Tom's team does not own the ticket: he cannot announce himself on it.
        other = await tom.post(url, data={"state": "viewing"}, headers={"X-CSRF-Token": tom_csrf})
        assert other.status_code == 403
