"""The inbox's views through the core's ticket lists: the same tickets each view showed before
(checked against the views' rules over a varied set of tickets), capped counts, the SLA views
and the due-time sort."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx

from helpdesk import services
from helpdesk.domain import Status
from helpdesk.inbox import lists
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from tests.fixtures_db import scheduler_of
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, customer_writes, sign_in
from tests.support.ticket_copies import copy_ticket

UNSOLVED = {"new", "open", "pending", "on_hold"}


async def _subjects(client: httpx.AsyncClient, url: str) -> list[str]:
    """Every subject of a view, following its "Older tickets" cursor to the end."""
    found: list[str] = []
    while True:
        page = await client.get(url)
        assert page.status_code == 200, page.text
        found += re.findall(r'<span class="subject">([^<]+)</span>', page.text)
        more = re.search(r'href="(/inbox\?[^"]*cursor=[^"]+)"', page.text)
        if not more:
            return found
        url = more.group(1).replace("&amp;", "&")


def _rail_count(html: str, key: str) -> str:
    match = re.search(
        rf'view={key}"[^>]*><span>[^<]*</span> <span class="count[^"]*">([^<]+)<', html
    )
    assert match, f"no rail entry for {key}"
    return match.group(1)


async def _varied_tickets(runtime: Runtime, directory: Directory) -> list[dict[str, object]]:
    """Tickets across every combination that matters to a view: team (Support, Tech, none),
    assignee (Ayşe, Tom, nobody), status, category or not."""
    async with runtime.stores() as store:
        billing = await services.create_category(store, "billing", "Billing")
    support, tech = directory.teams["Support"], directory.teams["Tech"]
    teams = (support, tech, None)
    assignees = (directory.users["ayse"], directory.users["tom"], None)
    statuses = (Status.NEW, Status.OPEN, Status.PENDING, Status.SOLVED)
    combos = list(itertools.product(teams, assignees, statuses, (billing, None)))
    made: list[dict[str, object]] = [
        {
            "subject": "Printer on fire",
            "team": teams[0],
            "assignee": None,
            "status": "new",
            "category": None,
        },
        {
            "subject": "API returns 502",
            "team": teams[1],
            "assignee": None,
            "status": "new",
            "category": None,
        },
    ]  # the directory's two tickets
    for i, (team, assignee, status, category) in enumerate(combos):
        members = {directory.users["ayse"]: support, directory.users["tom"]: tech}
        if team is not None and assignee is not None and members[assignee] != team:
            continue  # people are assigned tickets of their own teams (or of none)
        subject = f"Varied {i}"
        ticket = await customer_writes(runtime, f"varied-{i}", f"v{i}@example.com", f"V {i}",
                                       subject, "Hello")  # fmt: skip
        async with runtime.stores() as store:
            changes = TicketChanges(team_id=team, assignee_id=assignee, status=status,
                                    category_id=category)  # fmt: skip
            await services.update_ticket(store, ticket, Actor.system(), changes)
        made.append({"subject": subject, "team": team, "assignee": assignee,
                     "status": status.value, "category": category})  # fmt: skip
    return made


async def test_each_view_shows_what_its_rule_says(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    made = await _varied_tickets(runtime, directory)
    support, tech = directory.teams["Support"], directory.teams["Tech"]
    ayse = directory.users["ayse"]
    # The views' rules as the inbox has always stated them (in Python, not SQL).
    agent_sees = [t for t in made if t["team"] in (None, support) or t["assignee"] == ayse]
    Ticket = dict[str, object]
    rules: dict[str, Callable[[Ticket], bool]] = {
        "mine": lambda t: t["assignee"] == ayse and t["status"] in UNSOLVED,
        "unassigned": lambda t: t["assignee"] is None and t["status"] in ("new", "open")
        and t["team"] is not None,
        "pending": lambda t: t["status"] == "pending",
        "triage": lambda t: t["category"] is None and t["status"] in UNSOLVED,
        f"team-{support}": lambda t: t["team"] == support and t["status"] in UNSOLVED,
        f"team-{tech}": lambda t: t["team"] == tech and t["status"] in UNSOLVED,
        "all": lambda t: True,
    }  # fmt: skip
    async with clients() as agent, clients() as supervisor:
        await sign_in(agent, "ayse@example.test")
        await sign_in(supervisor, "sam@example.test")
        for client, pool, keys in (
            (agent, agent_sees, [k for k in rules if k not in ("all", f"team-{tech}")]),
            (supervisor, made, [k for k in rules if k != "mine"]),
        ):
            for key in keys:
                expected = {str(t["subject"]) for t in pool if rules[key](t)}
                shown = await _subjects(client, f"/inbox?view={key}")
                assert len(shown) == len(set(shown)), key  # no ticket twice across pages
                assert set(shown) == expected, key
                page = await client.get(f"/inbox?view={key}")
                assert _rail_count(page.text, key) == str(len(expected)), key
        # A filter narrows the view, and the heading counts what it shows.
        urgent = await agent.get(f"/inbox?view=team-{support}&status=pending")
        subjects = re.findall(r'<span class="subject">([^<]+)</span>', urgent.text)
        want = {
            t["subject"] for t in agent_sees if t["team"] == support and t["status"] == "pending"
        }
        assert set(subjects) == want
        assert re.search(rf'id="list-title">[^<]*<span class="count">{len(want)}<', urgent.text)
        # A team filter for another team inside a team view is an empty list, not an error.
        other = await supervisor.get(f"/inbox?view=team-{support}&team_id={tech}")
        assert other.status_code == 200 and "No tickets waiting here" in other.text


async def test_counts_stop_at_the_cap(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    # A thousand tickets in the triage queue, written in one statement (setting up, not the
    # behaviour under test): the rail reads 999+ instead of counting them all.
    async with runtime.stores() as store:
        await copy_ticket(
            store,
            directory.tickets["support"],
            lists.COUNT_CAP + 1,
            lambda i: {
                "number": 900_000 + i,
                "token": f"bulk{i:028d}",
                "team_id": None,
                "subject": f"Bulk {i}",
            },
        )
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        page = await sam.get("/inbox?view=triage")
        assert _rail_count(page.text, "triage") == "999+"
        assert _rail_count(page.text, "all") == "999+"
        assert _rail_count(page.text, "pending") == "0"
        assert re.search(r'id="list-title">Triage <span class="count">999\+<', page.text)


async def test_at_risk_and_breached_views_sort_by_the_due_time(
    runtime: Runtime, clients: ClientFactory, directory: Directory, clock: FixedClock
) -> None:
    now = clock.now()
    support = directory.teams["Support"]
    due = {
        "Due in ten minutes": now + timedelta(minutes=10),
        "Due in forty minutes": now + timedelta(minutes=40),
        "Due tomorrow": now + timedelta(days=1),
        "Overdue by an hour": now - timedelta(hours=1),
        "Overdue by a minute": now - timedelta(minutes=1),
    }
    ids = {}
    for i, subject in enumerate(due):
        ids[subject] = await customer_writes(runtime, f"sla-{i}", f"s{i}@example.com", "S",
                                             subject, "Help")  # fmt: skip
    async with runtime.stores() as store:
        for ticket in ids.values():
            await services.update_ticket(
                store, ticket, Actor.system(), TicketChanges(team_id=support)
            )
    # The SLA evaluations those changes queued run first: they would set the due times back.
    await scheduler_of(runtime).drain()
    async with runtime.stores() as store:
        await services.set_sla_next_due(store, {ids[s]: at for s, at in due.items()})
        await services.update_preferences(
            store, directory.users["ayse"], language="en", timezone="Europe/Istanbul"
        )
    async with clients() as ayse:
        await sign_in(ayse, "ayse@example.test")
        risk = await ayse.get("/inbox?view=at-risk")
        assert re.findall(r'<span class="subject">([^<]+)</span>', risk.text) == [
            "Due in ten minutes",
            "Due in forty minutes",
        ]
        assert _rail_count(risk.text, "at-risk") == "2"
        assert _rail_count(risk.text, "breached") == "2"
        breached = await ayse.get("/inbox?view=breached")
        assert re.findall(r'<span class="subject">([^<]+)</span>', breached.text) == [
            "Overdue by an hour",
            "Overdue by a minute",
        ]
        assert "Overdue since" in breached.text
        # The due time in the agent's zone: Istanbul is UTC+3.
        stamp = (now + timedelta(minutes=10)).astimezone(ZoneInfo("Europe/Istanbul"))
        stamp_text = stamp.strftime("%-I:%M")
        assert re.search(rf"Due <time datetime=\"[^\"]+\">[^<]*{stamp_text}", risk.text), risk.text
        # Sorted by due in the team view: overdue first, then soonest; none last.
        team = await ayse.get(f"/inbox?view=team-{support}&sort=due")
        order = re.findall(r'<span class="subject">([^<]+)</span>', team.text)
        # The sort menu names the order shown, also when the view's default chose it.
        default = await ayse.get(f"/inbox?view=team-{support}")
        assert re.findall(r'<span class="subject">([^<]+)</span>', default.text) == order
        assert re.search(r'<option value="due" selected>', default.text), default.text
        assert order == [
            "Overdue by an hour",
            "Overdue by a minute",
            "Due in ten minutes",
            "Due in forty minutes",
            "Due tomorrow",
            "Printer on fire",
        ]
        latest = await ayse.get(f"/inbox?view=team-{support}&sort=updated")
        assert re.findall(r'<span class="subject">([^<]+)</span>', latest.text) != order
        assert re.search(r'<option value="updated" selected>', latest.text), latest.text
        bad = await ayse.get("/inbox?view=mine&sort=sideways")
        assert bad.status_code == 422 and "sort" in bad.text
