"""The agent load report: open tickets held against capacity, availability, tickets waiting on
the customer, replies and solved tickets in the period, checked against a history whose figures
are counted by hand below; and who sees whose row."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from helpdesk import services
from helpdesk.domain import Role, Status
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from routing import store as routing_store
from routing.config import RoutingConfig, TeamAssignment
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import PASSWORD, customer_writes, sign_in

PERIOD = {"from": "2026-11-23", "to": "2026-11-23"}


async def _history(rt: Runtime, clock: FixedClock) -> dict[str, int]:
    async with rt.stores() as store:
        support = await services.create_team(store, "Support")
        tech = await services.create_team(store, "Tech")
        people: dict[str, int] = {}
        for key, name, role, teams in (
            ("ana", "Ana Agent", Role.AGENT, (support,)),
            ("bea", "Bea Agent", Role.AGENT, (support,)),
            ("tom", "Tom Agent", Role.AGENT, (tech,)),
            ("sam", "Sam Supervisor", Role.SUPERVISOR, (support,)),
            ("ada", "Ada Admin", Role.ADMIN, ()),
        ):
            people[key] = await services.create_user(
                store, email=f"{key}@example.test", name=name, role=role, password=PASSWORD,
                team_ids=teams,
            )  # fmt: skip
        # Support's assignment setting gives its members 5 slots; Ana has her own 3.
        await routing_store.save_config(
            store,
            RoutingConfig(teams=[TeamAssignment(team="Support", strategy="none", capacity=5)]),
        )
        await routing_store.set_agent(store, people["ana"], availability="away", capacity=3)

    async def ticket(key: str, holder: str) -> int:
        found = await customer_writes(rt, key, f"{key}@customer.example", key, key, "Help.")
        async with rt.stores() as store:
            await services.update_ticket(
                store, found, Actor.system(), TicketChanges(assignee_id=people[holder])
            )
        return found

    async def reply(ticket_id: int, who: str, status: Status) -> None:
        async with rt.stores() as store:
            await services.reply(store, ticket_id, Actor.user(people[who]), "On it.", status=status)

    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))  # the Friday before the period
    early = await ticket("early", "ana")
    await reply(early, "ana", Status.OPEN)  # held now, but the reply is outside the period
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await reply(await ticket("b", "ana"), "ana", Status.OPEN)
    await reply(await ticket("c", "ana"), "ana", Status.PENDING)
    noted = await ticket("d", "bea")
    async with rt.stores() as store:  # a note is not a reply
        await services.add_note(store, noted, Actor.user(people["bea"]), "Checking the logs.")
        await services.update_ticket(
            store, noted, Actor.user(people["bea"]), TicketChanges(status=Status.OPEN)
        )
    await reply(await ticket("e", "bea"), "bea", Status.SOLVED)
    await ticket("f", "tom")
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    return people


# Counted by hand from the history above.
EXPECTED = {
    "Ana Agent": {"availability": "away", "capacity": "3", "open": "2", "utilisation": "0.6667",
                  "pending": "1", "replies": "2", "solved": "0"},
    "Bea Agent": {"availability": "online", "capacity": "5", "open": "1", "utilisation": "0.2",
                  "pending": "0", "replies": "1", "solved": "1"},
    "Tom Agent": {"availability": "online", "capacity": "8", "open": "1", "utilisation": "0.125",
                  "pending": "0", "replies": "0", "solved": "0"},
    "Sam Supervisor": {"availability": "online", "capacity": "5", "open": "0",
                       "utilisation": "0.0", "pending": "0", "replies": "0", "solved": "0"},
    "Ada Admin": {"availability": "online", "capacity": "8", "open": "0", "utilisation": "0.0",
                  "pending": "0", "replies": "0", "solved": "0"},
}  # fmt: skip


def _rows(text: str) -> dict[str, dict[str, str]]:
    keep = ("availability", "capacity", "open", "utilisation", "pending", "replies", "solved")
    return {row["name"]: {k: row[k] for k in keep} for row in csv.DictReader(io.StringIO(text))}


async def test_agent_load_matches_the_hand_counted_history(
    runtime: Runtime, clock: FixedClock, clients: ClientFactory
) -> None:
    await _history(runtime, clock)
    async with clients() as ada, clients() as sam, clients() as ana:
        await sign_in(ada, "ada@example.test")
        download = await ada.get("/supervisor/reports/agent_load.csv", params=PERIOD)
        assert download.status_code == 200
        assert _rows(download.text) == EXPECTED
        page = await ada.get("/supervisor/reports", params=PERIOD)
        row = page.text.split('<h2 id="r-agents">')[1].split("Ana Agent")[1].split("</tr>")[0]
        assert "Away" in row and "66.7%" in row
        # A supervisor sees the people of their teams (and themself), not other teams'.
        await sign_in(sam, "sam@example.test")
        theirs = _rows((await sam.get("/supervisor/reports/agent_load.csv", params=PERIOD)).text)
        assert set(theirs) == {"Ana Agent", "Bea Agent", "Sam Supervisor"}
        await sign_in(ana, "ana@example.test")
        assert (
            await ana.get("/supervisor/reports/agent_load.csv", params=PERIOD)
        ).status_code == 403
