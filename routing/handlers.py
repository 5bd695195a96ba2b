"""Routing's event subscribers and jobs. Each reaction runs in its own unit of work after the
change that caused it has committed; a failure is logged by the bus, and the periodic pass
assigns whatever a lost reaction left waiting."""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from datetime import datetime, timedelta

from sqlalchemy import func, select

from helpdesk import events, services
from helpdesk.domain import AuthorKind, Direction
from helpdesk.runtime import Job, Parts, Periodic, Runtime, Subscriber
from helpdesk.tables import audit_t, category_t, message_t, ticket_t
from routing import assign, automation_runs, context, idle, language, model_store
from routing import store as routing_store
from routing.config import RoutingConfig
from routing.engine import Insight, Routing
from routing.rules import Trigger, listens

log = logging.getLogger(__name__)

RECONCILE_JOB = "routing_reconcile"
RECONCILE_EVERY = timedelta(seconds=30)
RETRAIN_EVERY = timedelta(days=1)
ASSIGN_JOB = "routing_assign"
AUTOMATIONS_JOB = "routing_automations"
AUTOMATIONS_EVERY = timedelta(minutes=1)
# The rules that already fired in the event chain being dispatched (loop protection): the
# bus dispatches routing's own changes inside routing's call, so the chain follows along.
_CHAIN: ContextVar[frozenset[str] | None] = ContextVar("routing_chain", default=None)


class Router:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.models = model_store.ModelCache(rt.settings.data_dir)

    async def _run(self, ticket_id: int, trigger: Trigger) -> None:
        chain = _CHAIN.get() or frozenset()
        # What decides, read without the write slot: it is held only while routing writes.
        async with self.rt.stores.read() as store:
            config = await routing_store.load_config(store)
            if trigger != "created" and not listens(config.rules, trigger):
                return  # no rule listens: nothing to decide
            found = await context.directory(store)
            view = await context.ticket_view(store, ticket_id) if trigger == "created" else None
        insight = await self._insight(config, view) if view is not None else Insight()
        token = _CHAIN.set(chain)
        try:
            async with self.rt.stores() as store:
                routing = Routing(store, config, found)
                assignable = False
                if trigger == "created":
                    chain = await routing.route_new(ticket_id, chain, insight, view)
                    assignable = await routing.may_assign(ticket_id)
                else:
                    chain = await routing.run_rules(ticket_id, trigger, chain)
                _CHAIN.set(chain)
            if assignable:
                async with self.rt.stores() as store:
                    await Routing(store, config, found).assign_new(ticket_id)
        finally:
            _CHAIN.reset(token)

    async def _insight(self, config: RoutingConfig, view: context.TicketView) -> Insight:
        """Language and category guess for a new ticket, worked out on a thread, in one trip
        there (each costs the loop a hand-over and a wake-up)."""
        return await asyncio.to_thread(self._work_out, view.text, tuple(config.languages))

    def _work_out(self, text: str, languages: tuple[str, ...]) -> Insight:
        found = language.detect(text, languages)
        classifier = self.models.get()
        return Insight(found, classifier.predict(text) if classifier else None)

    async def on_created(self, event: events.TicketCreated) -> None:
        await self._run(event.ticket_id, "created")

    async def on_message(self, event: events.MessageAdded) -> None:
        if (
            event.direction != Direction.INBOUND.value
            or event.author_kind != AuthorKind.CUSTOMER.value
            or event.machine is not None
            or event.opens_ticket  # handled with the new ticket
        ):
            return
        async with self.rt.stores.read() as store:  # no write slot for reading
            first = (
                await store.execute(
                    select(func.min(message_t.c.id)).where(
                        message_t.c.ticket_id == event.ticket_id,
                        message_t.c.direction == Direction.INBOUND.value,
                    )
                )
            ).scalar()
            if first == event.message_id:
                return  # the first message is handled with the new ticket
            config = await routing_store.load_config(store)
            row = (
                await store.execute(
                    select(message_t.c.text, message_t.c.full_text).where(
                        message_t.c.id == event.message_id
                    )
                )
            ).first()
        if row is None:
            return
        found = await asyncio.to_thread(
            language.detect, row.text or row.full_text, tuple(config.languages)
        )
        if found is not None:
            async with self.rt.stores() as store:
                await services.set_message_language(store, event.message_id, found)
        if _CHAIN.get() is None:
            await self._run(event.ticket_id, "customer_replied")

    async def on_status(self, event: events.StatusChanged) -> None:
        if _CHAIN.get() is None:
            await self._run(event.ticket_id, "status_changed")
        if event.old in assign.LOAD_STATUSES and event.new not in assign.LOAD_STATUSES:
            await self._drain_team_of(event.ticket_id)  # the assignee has room again
        elif event.new in assign.LOAD_STATUSES and event.old not in assign.LOAD_STATUSES:
            await self._assign_again(event.ticket_id)

    async def on_updated(self, event: events.TicketUpdated) -> None:
        if "category_id" in event.fields:
            await self._remember_category(event.ticket_id)
        if _CHAIN.get() is None:
            await self._run(event.ticket_id, "updated")
        if {"assignee_id", "team_id", "handed_over_at"} & set(event.fields):
            await self._drain_team_of(event.ticket_id)

    async def _assign_again(self, ticket_id: int) -> None:
        """A reopened ticket without an assignee goes back to its team's queue."""
        async with self.rt.stores() as store:
            routing = await Routing.open(store)
            view = await context.ticket_view(store, ticket_id)
            if view and view.row["assignee_id"] is None and view.row["team_id"] is not None:
                await routing.assign(ticket_id, int(view.row["team_id"]))

    async def _drain_team_of(self, ticket_id: int) -> None:
        async with self.rt.stores.read() as store:  # no write slot for reading
            teams = await _teams_of_assignee(store, ticket_id)
        for team_id in teams:
            await self.drain(team_id)

    async def drain(self, team_id: int) -> int:
        async with self.rt.stores() as store:
            routing = await Routing.open(store)
            return await routing.drain(team_id)

    async def _remember_category(self, ticket_id: int) -> None:
        """An agent's (re)categorisation is a labelled example for the next training."""
        async with self.rt.stores() as store:
            last = (
                await store.execute(
                    select(audit_t.c.actor_kind)
                    .where(audit_t.c.ticket_id == ticket_id, audit_t.c.kind == "category_changed")
                    .order_by(audit_t.c.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if last != AuthorKind.AGENT.value:
                return
            view = await context.ticket_view(store, ticket_id)
            if view is None or view.row["category_id"] is None:
                return
            slug = (
                await store.execute(
                    select(category_t.c.slug).where(category_t.c.id == view.row["category_id"])
                )
            ).scalar_one()
            await routing_store.record_example(store, ticket_id, view.text, slug, "agent")

    async def assign_one(self, rt: Runtime, ticket_id: int) -> bool:
        """Job: assign one waiting ticket in its team now, if anyone has room. Safe to run
        twice and in several workers at once: the team lock and the unassigned check make
        the second run a no-op."""
        async with self.rt.stores() as store:
            return await (await Routing.open(store)).assign_new(ticket_id)

    async def automations(self, rt: Runtime) -> int:
        """Periodic: fire the time-based automations that fell due."""
        return await automation_runs.run(self.rt.stores)

    async def idle_sweep(self) -> None:
        """Idle agents away, active ones back (then their teams' queues drain below)."""
        async with self.rt.stores() as store:
            config = await routing_store.load_config(store)
            if config.idle_away_minutes is None:
                return
            await idle.sweep(store, timedelta(minutes=config.idle_away_minutes))

    async def reconcile(self, rt: Runtime) -> int:
        """Periodic: idle agents away (and back); assign waiting tickets of every
        auto-assigning team; retrain when due."""
        await self.idle_sweep()
        async with self.rt.stores() as store:
            routing = await Routing.open(store)
            team_ids = [
                team_id
                for name, team_id in routing.found.teams.items()
                if routing.config.team_assignment(name).strategy != "none"
            ]
        assigned = 0
        for team_id in team_ids:
            assigned += await self.drain(team_id)
        await self.retrain_if_due()
        return assigned

    async def retrain_if_due(self) -> bool:
        info = model_store.load_info(self.rt.settings.data_dir)
        now = self.rt.clock.now()
        if info is not None and info.source != "tickets":
            return False  # a model trained on a file stays until someone retrains on purpose
        if info is not None and datetime.fromisoformat(info.trained_at) + RETRAIN_EVERY > now:
            return False
        async with self.rt.stores() as store:
            texts, labels = await routing_store.examples(store)
        if info is not None and len(texts) == info.n:
            return False
        from routing.training import train_from_tickets  # scikit-learn: only when training

        try:
            await asyncio.to_thread(
                train_from_tickets, self.rt.settings.data_dir, texts, labels, now
            )
        except ValueError as exc:
            log.info("routing: not retraining yet: %s", exc)
            return False
        return True


async def _teams_of_assignee(store: object, ticket_id: int) -> list[int]:
    """The ticket's team and the teams of its (former) assignee: where capacity may have freed."""
    from helpdesk.store import Store
    from helpdesk.tables import team_member_t

    assert isinstance(store, Store)
    row = (
        await store.execute(
            select(ticket_t.c.team_id, ticket_t.c.assignee_id).where(ticket_t.c.id == ticket_id)
        )
    ).first()
    if row is None:
        return []
    teams = {int(row.team_id)} if row.team_id is not None else set()
    previous = (
        await store.execute(
            select(audit_t.c.data)
            .where(audit_t.c.ticket_id == ticket_id, audit_t.c.kind == "assignee_changed")
            .order_by(audit_t.c.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    users = {row.assignee_id, (previous or {}).get("old")} - {None}
    if users:
        found = await store.execute(
            select(team_member_t.c.team_id).where(team_member_t.c.user_id.in_(users))
        )
        teams.update(int(t) for t in found.scalars())
    return sorted(teams)


def parts(router: Router) -> Parts:
    """Routing's subscribers, its periodic pass and its job."""
    return Parts(
        jobs=[
            Job(RECONCILE_JOB, router.reconcile),
            Job(AUTOMATIONS_JOB, router.automations),
            Job(ASSIGN_JOB, router.assign_one),
        ],
        periodic=[
            Periodic(RECONCILE_JOB, RECONCILE_EVERY),
            Periodic(AUTOMATIONS_JOB, AUTOMATIONS_EVERY),
        ],
        subscribers=[
            Subscriber(events.TicketCreated, router.on_created),
            Subscriber(events.MessageAdded, router.on_message),
            Subscriber(events.StatusChanged, router.on_status),
            Subscriber(events.TicketUpdated, router.on_updated),
        ],
    )
