"""Full-text search on the ticket list, on SQLite (FTS5) and PostgreSQL (tsvector), through the
real services: what an agent typing into the search box would find."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from helpdesk import listing, queries, services
from helpdesk.domain import Principal, Role
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor
from helpdesk.tables import identity_t
from tests.core.factory import email_in
from tests.fixtures_db import scheduler_of

SUPERVISOR = Principal(1, Role.SUPERVISOR, frozenset())


@pytest.fixture(params=["few", "many"])
def hits_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each search both ways where it can go either: the matches fetched by id (few; with
    a number in the search, its ticket merged in) and read from the index alone (many). Words
    alone go either way on PostgreSQL; on SQLite they are always read from the index."""
    if request.param == "many":
        monkeypatch.setattr(listing, "SPARSE_MATCHES", 1)
    return str(request.param)


async def _ticket(rt: Runtime, clock: FixedClock, **fields: object) -> int:
    clock.advance(seconds=1)
    async with rt.stores() as store:
        result = await services.ingest(store, email_in(**fields))  # type: ignore[arg-type]
    assert result.ticket_id is not None
    await scheduler_of(rt).drain()  # the components' follow-up jobs end within the test
    return result.ticket_id


async def _search(
    rt: Runtime, text: str, who: Principal = SUPERVISOR, limit: int = 50
) -> list[int]:
    found: list[int] = []
    cursor = None
    async with rt.stores() as store:
        while True:
            page = await queries.list_tickets(
                store, who, queries.TicketFilter(text=text), limit=limit, cursor=cursor
            )
            found += [t["id"] for t in page.items]
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor


async def test_finds_a_ticket_by_message_word_subject_and_customer(
    runtime: Runtime, clock: FixedClock, hits_path: str
) -> None:
    printer = await _ticket(
        runtime,
        clock,
        sender="ayse.yilmaz@example.com",
        name="Ayşe Yılmaz",
        subject="Printer on fire",
        text="The toner smells of smoke since Tuesday.",
    )
    invoice = await _ticket(
        runtime,
        clock,
        sender="john@corp.example",
        subject="Invoice 2026-118 is wrong",
        text="Fatura tutarı hatalı, lütfen düzeltin.",
    )
    assert await _search(runtime, "toner") == [printer]
    assert await _search(runtime, "SMOKE tuesday") == [printer]  # every word, any case
    assert await _search(runtime, "invoice") == [invoice]  # subject
    assert await _search(runtime, "ayse.yilmaz@example.com") == [printer]  # address
    assert await _search(runtime, "john@corp.example") == [invoice]
    assert await _search(runtime, "corp") == [invoice]  # part of an address
    assert await _search(runtime, "Ayşe") == [printer]  # customer name
    # Turkish typed with and without its letters finds the same ticket.
    assert await _search(runtime, "hatalı düzeltin") == [invoice]
    assert await _search(runtime, "duzeltin") == [invoice]
    assert await _search(runtime, "toner invoice") == []  # words from two tickets: no ticket
    assert await _search(runtime, "nowhere") == []


async def test_many_hits_come_newest_ticket_first_across_pages_and_none_is_empty(
    runtime: Runtime, clock: FixedClock, hits_path: str
) -> None:
    printers = [
        await _ticket(runtime, clock, subject=f"Printer {i}", text="paper jam again")
        for i in range(7)
    ]
    await _ticket(runtime, clock, subject="Laptop", text="screen flickers")
    assert await _search(runtime, "jam", limit=3) == printers[::-1]
    assert await _search(runtime, "paper jam", limit=2) == printers[::-1]
    assert await _search(runtime, "zzzunknownword") == []
    async with runtime.stores() as store:
        count = await queries.count_tickets(store, SUPERVISOR, queries.TicketFilter(text="jam"))
        capped = await queries.count_tickets(
            store, SUPERVISOR, queries.TicketFilter(text="jam"), cap=5
        )
        none = await queries.count_tickets(store, SUPERVISOR, queries.TicketFilter(text="zzz"))
    assert (str(count), str(capped), str(none)) == ("7", "5+", "0")


async def test_a_message_added_later_is_found(
    runtime: Runtime, clock: FixedClock, hits_path: str
) -> None:
    async with runtime.stores() as store:
        agent = await services.create_user(store, email="a@help.test", name="A")
    ticket = await _ticket(runtime, clock, subject="Login", text="cannot sign in")
    other = await _ticket(runtime, clock, subject="Login too", text="cannot sign in")
    assert await _search(runtime, "zanzibar") == []
    clock.advance(seconds=1)
    async with runtime.stores() as store:
        await services.reply(store, ticket, Actor.user(agent), "Reset it from Zanzibar.")
    assert await _search(runtime, "zanzibar") == [ticket]
    async with runtime.stores() as store:
        await services.add_note(store, ticket, Actor.user(agent), "Ask the Kilimanjaro team")
    assert await _search(runtime, "kilimanjaro") == [ticket]
    assert await _search(runtime, "sign") == [other, ticket]  # newest ticket first


HOSTILE = [
    '"',
    '"printer',
    'printer"',
    '""printer""',
    "printer*",
    "*",
    "-printer",
    "printer -fire",
    "NEAR(printer fire)",
    "NEAR",
    "printer OR laptop",
    "printer AND",
    "NOT printer",
    "(printer",
    "printer)",
    "()",
    "subject:printer",
    "^printer",
    "printer + fire",
    "'; DROP TABLE ticket; --",
    "%_\\",
    "a\x00b",
    "\x1f\x7f",
    "🔥 printer",
    "{printer fire}",
    ":",
    "#",
    "#1001",
]


@pytest.mark.parametrize("typed", HOSTILE)
async def test_query_syntax_in_user_input_never_errors(
    runtime: Runtime, clock: FixedClock, typed: str, hits_path: str
) -> None:
    printer = await _ticket(runtime, clock, subject="Printer on fire", text="help")
    found = await _search(runtime, typed)
    assert set(found) <= {printer}
    async with runtime.stores() as store:
        await queries.count_tickets(store, SUPERVISOR, queries.TicketFilter(text=typed))


@pytest.mark.parametrize(
    "typed", ['"printer', "printer*", "-printer", "(printer)", "printer OR", "NEAR printer"]
)
async def test_operator_characters_are_only_text(
    runtime: Runtime, clock: FixedClock, typed: str, hits_path: str
) -> None:
    printer = await _ticket(runtime, clock, subject="Printer on fire", text="near the window")
    await _ticket(runtime, clock, subject="Laptop", text="broken")
    # `-printer` does not exclude, `OR` does not widen: the words are looked for as written.
    assert await _search(runtime, typed) == ([printer] if "OR" not in typed else [])


async def test_agents_find_only_tickets_they_may_see(runtime: Runtime, clock: FixedClock) -> None:
    async with runtime.stores() as store:
        billing = await services.create_team(store, "Billing")
        tech = await services.create_team(store, "Tech")
        alice = await services.create_user(
            store, email="alice@help.test", name="Alice", team_ids=(billing,)
        )
    ours = await _ticket(runtime, clock, subject="Refund please", text="wombat")
    theirs = await _ticket(runtime, clock, subject="Refund again", text="wombat")
    triage = await _ticket(runtime, clock, subject="Hello", text="wombat")
    async with runtime.stores() as store:
        await services.update_ticket(
            store, ours, Actor.user(alice), services.TicketChanges(team_id=billing)
        )
        await services.update_ticket(
            store, theirs, Actor.user(alice), services.TicketChanges(team_id=tech)
        )
    agent = Principal(alice, Role.AGENT, frozenset({billing}))
    assert set(await _search(runtime, "wombat", agent)) == {ours, triage}
    assert set(await _search(runtime, "wombat")) == {ours, theirs, triage}


async def test_an_erased_address_no_longer_finds_the_ticket(
    runtime: Runtime, clock: FixedClock
) -> None:
    ticket = await _ticket(runtime, clock, sender="gone@example.org", subject="Hi", text="x")
    assert await _search(runtime, "gone@example.org") == [ticket]
    async with runtime.stores() as store:
        await store.execute(delete(identity_t).where(identity_t.c.address == "gone@example.org"))
    assert await _search(runtime, "gone@example.org") == []
    assert await _search(runtime, "hi") == [ticket]
