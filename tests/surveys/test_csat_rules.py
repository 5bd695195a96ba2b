"""When a survey goes out, when it does not, and what a rating does (injected clock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from helpdesk import events, services
from helpdesk.app import create_app
from helpdesk.domain import Role, Status
from helpdesk.errors import Conflict
from helpdesk.ports import FixedClock
from helpdesk.runtime import Parts, Runtime, Subscriber
from helpdesk.services import Actor, TicketChanges
from helpdesk.services import surveys as survey_services
from tests.core.factory import email_in
from tests.core.senders import RecordingSender
from tests.fixtures_db import scheduler_of
from tests.surveys.support import after_delay, rate_on_page, solve, surveys


@pytest_asyncio.fixture
async def desk(runtime: Runtime) -> AsyncIterator[dict[str, Any]]:
    """A billing team with an agent, a supervisor token, and email recorded at the edge."""
    sender = RecordingSender()
    runtime.use_sender("email", sender)
    async with runtime.stores() as store:
        team = await services.create_team(store, "Billing")
        agent = await services.create_user(
            store, email="ali@help.test", name="Ali", team_ids=(team,)
        )
        boss = await services.create_user(
            store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR
        )
        token = await services.create_token(store, boss)
    yield {"team": team, "agent": agent, "sender": sender, "token": token}


async def _ticket(rt: Runtime, desk: dict[str, Any], sender: str = "ayse@example.com") -> int:
    async with rt.stores() as store:
        result = await services.ingest(store, email_in(sender=sender))
        assert result.ticket_id is not None
        await services.update_ticket(
            store,
            result.ticket_id,
            Actor.system(),
            TicketChanges(team_id=desk["team"], assignee_id=desk["agent"]),
        )
    await scheduler_of(rt).drain()
    return result.ticket_id


def _surveys_sent(desk: dict[str, Any]) -> list[Any]:
    return [m for m in desk["sender"].sent if m.kind == "survey"]


async def test_the_survey_waits_for_the_delay_then_goes_to_the_requester(
    runtime: Runtime, desk: dict[str, Any]
) -> None:
    ticket_id = await _ticket(runtime, desk)
    await solve(runtime, ticket_id)
    await after_delay(runtime, hours=0.5)
    assert _surveys_sent(desk) == []
    await after_delay(runtime, hours=0.5)
    [sent] = _surveys_sent(desk)
    assert [r.address for r in sent.to] == ["ayse@example.com"]
    assert "/survey/" in sent.text
    [survey] = await surveys(runtime)
    assert (survey["agent_id"], survey["team_id"]) == (desk["agent"], desk["team"])


async def test_a_team_delay_of_zero_sends_at_once(runtime: Runtime, desk: dict[str, Any]) -> None:
    async with runtime.stores() as store:
        await survey_services.set_policy(store, desk["team"], delay=timedelta(0))
    ticket_id = await _ticket(runtime, desk)
    await solve(runtime, ticket_id)
    assert len(_surveys_sent(desk)) == 1


async def test_a_reopen_before_the_survey_skips_it_and_the_next_solve_surveys_again(
    runtime: Runtime, desk: dict[str, Any]
) -> None:
    ticket_id = await _ticket(runtime, desk)
    await solve(runtime, ticket_id)
    async with runtime.stores() as store:  # the customer writes back: the ticket reopens
        await services.ingest(store, email_in(subject="Re: Printer on fire", text="Still broken"))
    async with runtime.stores() as store:
        await services.update_ticket(
            store, ticket_id, Actor.system(), TicketChanges(status=Status.OPEN)
        )
    await after_delay(runtime)
    assert _surveys_sent(desk) == []
    [skipped] = await surveys(runtime)
    assert skipped["status"] == "skipped" and "reopened" in skipped["reason"]

    await solve(runtime, ticket_id, "Replaced the fuser.")
    await after_delay(runtime)
    assert len(_surveys_sent(desk)) == 1
    assert [s["status"] for s in await surveys(runtime)] == ["skipped", "sent"]


async def test_sampling_cooldown_and_no_resurvey_policies_skip_with_a_reason(
    runtime: Runtime, desk: dict[str, Any]
) -> None:
    async with runtime.stores() as store:
        await survey_services.set_policy(store, desk["team"], cooldown_days=30)
    first = await _ticket(runtime, desk)
    second = await _ticket(runtime, desk)  # the same customer
    await solve(runtime, first)
    await solve(runtime, second)
    await after_delay(runtime)
    reasons = sorted((s["status"], s["reason"] or "") for s in await surveys(runtime))
    assert reasons == [("sent", ""), ("skipped", "the customer was surveyed recently (cool-down)")]

    async with runtime.stores() as store:
        await survey_services.set_policy(store, desk["team"], sample_percent=0)
    third = await _ticket(runtime, desk, sender="other@example.com")
    await solve(runtime, third)
    await after_delay(runtime)
    assert (await surveys(runtime))[-1]["reason"] == "not in the 0% sample"


async def test_an_expired_link_is_refused_and_a_bad_rating_reopens_with_a_note(
    runtime: Runtime, desk: dict[str, Any], clock: FixedClock
) -> None:
    rated: list[events.SurveyRated] = []

    async def hear(event: events.SurveyRated) -> None:
        rated.append(event)

    runtime.add("test", Parts(subscribers=[Subscriber(events.SurveyRated, hear)]))
    late, bad = await _ticket(runtime, desk), await _ticket(runtime, desk, "b@example.com")
    await solve(runtime, late)
    await solve(runtime, bad)
    await after_delay(runtime)
    tokens = {m.ticket_id: m.text.split("/survey/")[1].split("?")[0] for m in _surveys_sent(desk)}

    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as http:
        answered = await rate_on_page(http, tokens[bad], "1", "Nobody read my message")
        assert answered.status_code == 200
        clock.advance(days=15)
        assert await runtime.run_job("csat_reconcile") == 0
        assert (await http.get(f"/survey/{tokens[late]}")).status_code == 410
        async with runtime.stores() as store:
            survey = await survey_services.survey_for_token(store, runtime.signer, tokens[late])
            with pytest.raises(Conflict, match="expired"):
                await survey_services.rate(store, survey, 5, "", runtime.settings.csat_delay)
    await scheduler_of(runtime).drain()
    async with runtime.stores() as store:
        detail = await services_detail(store, bad)
    assert detail["status"] == Status.OPEN.value  # reopened for the team to follow up
    notes = [m["text"] for m in detail["messages"] if m["direction"] == "note"]
    assert any("rated this resolution 1/5" in n and "Nobody read my message" in n for n in notes)
    assert [(e.ticket_id, e.rating, e.bad) for e in rated] == [(bad, 1, True)]


async def services_detail(store: Any, ticket_id: int) -> dict[str, Any]:
    from helpdesk.domain import Principal
    from helpdesk.queries import ticket_detail

    everyone = Principal(0, Role.ADMIN, frozenset())
    found = await ticket_detail(store, everyone, ticket_id)
    return {**found.ticket, "messages": found.messages, "surveys": found.surveys}


async def test_the_api_shows_surveys_on_the_ticket_and_csat_by_agent(
    runtime: Runtime, desk: dict[str, Any]
) -> None:
    good, poor = await _ticket(runtime, desk), await _ticket(runtime, desk, "b@example.com")
    for ticket_id in (good, poor):
        await solve(runtime, ticket_id)
    await after_delay(runtime)
    rows = {s["ticket_id"]: s for s in await surveys(runtime)}
    async with runtime.stores() as store:
        for ticket_id, rating in ((good, 5), (poor, 3)):
            row = rows[ticket_id]
            survey = await survey_services.survey_for_token(
                store, runtime.signer, await _token_of(store, runtime, row)
            )
            await survey_services.rate(store, survey, rating, "", runtime.settings.csat_delay)

    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    auth = {"Authorization": f"Bearer {desk['token']}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as http:
        ticket = (await http.get(f"/api/v1/tickets/{good}", headers=auth)).json()
        [shown] = ticket["surveys"]
        assert (shown["status"], shown["rating"], shown["channel"]) == ("rated", 5, "email")
        assert shown["agent_id"] == desk["agent"]
        report = await http.get("/api/v1/reports/csat?group_by=agent", headers=auth)
        assert report.status_code == 200
        [row] = report.json()["items"]
        assert row == {
            "agent": desk["agent"],
            "sent": 2,
            "answered": 2,
            "average": 4.0,
            "csat": 0.5,
        }
        bad = await http.get("/api/v1/reports/csat?group_by=nobody", headers=auth)
        assert bad.status_code == 422


async def _token_of(store: Any, rt: Runtime, survey: dict[str, Any]) -> str:
    from sqlalchemy import select

    from helpdesk.tables import ticket_t

    found = await store.execute(
        select(ticket_t.c.token).where(ticket_t.c.id == survey["ticket_id"])
    )
    return survey_services.token(rt.signer, survey["id"], found.scalar_one())


async def test_a_team_without_surveys_is_not_asked_again_and_again(
    runtime: Runtime, desk: dict[str, Any]
) -> None:
    async with runtime.stores() as store:
        await survey_services.set_policy(store, desk["team"], enabled=False)
    ticket_id = await _ticket(runtime, desk)
    await solve(runtime, ticket_id)
    [row] = await surveys(runtime)
    assert (row["status"], row["reason"]) == ("skipped", "the team does not survey")
    assert await runtime.run_job("csat_reconcile") == 0  # nothing left to re-arm
    await after_delay(runtime)
    assert _surveys_sent(desk) == []


async def test_two_runs_deciding_one_survey_send_it_once(
    runtime: Runtime, desk: dict[str, Any]
) -> None:
    ticket_id = await _ticket(runtime, desk)
    await solve(runtime, ticket_id)
    [row] = await surveys(runtime)
    assert isinstance(runtime.clock, FixedClock)
    runtime.clock.advance(hours=2)
    # The armed send and a reconciliation pass's send of the same survey, at once.
    results = await asyncio.gather(
        runtime.run_job("csat_send", row["id"]), runtime.run_job("csat_send", row["id"])
    )
    await scheduler_of(runtime).drain()
    assert sorted(results) == ["not sent", "queued"]
    assert len(_surveys_sent(desk)) == 1


async def test_mangled_links_are_refused_not_crashed(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as http:
        for link in ("/survey/1-%C3%A9", "/survey/%D9%A1-abc", "/survey/-", "/faq/1.%C3%A9"):
            assert (await http.get(link)).status_code == 404, link
        posted = await http.post("/survey/1-abc", data={"csrf": "é", "rating": "5"})
        assert posted.status_code == 404
