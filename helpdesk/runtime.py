"""The running system's parts, built once by a composition root and passed to jobs and routes.

A `Component` (a channel, the SLA engine, routing) declares what it brings in a `Parts` value:
jobs, periodic passes, event subscribers per event type, senders per channel, health sections
and closers. `helpdesk.worker.assemble()` reads the declarations into the `Runtime`; nothing else
registers anything, so `Runtime.subscribers_of(TicketCreated)` answers "who reacts to a new
ticket?" in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from helpdesk.access_recorder import AccessRecorder
from helpdesk.blobs import BlobStore
from helpdesk.bus import Bus
from helpdesk.db import Database, transient
from helpdesk.events import Event
from helpdesk.liveness import ProcessIdentity
from helpdesk.ports import Clock, PersonalData, ReachCheck, ReplySender, Scheduler
from helpdesk.security import Signer
from helpdesk.settings import Settings
from helpdesk.store import Store, Stores
from helpdesk.token_cache import TokenCache
from helpdesk.writegate import as_background

log = logging.getLogger(__name__)

JobFunction = Callable[..., Awaitable[Any]]  # async def job(runtime, *args)
# How often a job ended by a deadlock or a serialization failure is run, in all. Jobs are
# idempotent (arq may run one twice, reconciliation re-arms lost ones), so running one again
# at once beats leaving its work to the next reconciliation pass.
JOB_ATTEMPTS = 3
# A component's part of /healthz: returns (section name, report with an "ok" flag).
HealthCheck = Callable[["Runtime"], Awaitable[tuple[str, dict[str, Any]]]]
Closer = Callable[[], Awaitable[None]]
# Runs with a unit of work's store just before it commits (see `Stores.before_commit`).
BeforeCommit = Callable[[Store], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Job:
    """A job function under the name schedulers call it by (arq needs names across processes).

    `short`: its transactions touch one ticket or a few, never a table's worth of rows, so on
    SQLite they may run on the event loop (helpdesk.sqlite_driver). A job that may run one long
    statement (a scan, a fold, ANALYZE) must leave it False: a write statement cannot be
    stopped midway, and the loop would wait for it."""

    name: str
    run: JobFunction
    short: bool = False


@dataclass(frozen=True, slots=True)
class Periodic:
    """Run the job named `job` every `every`, in every process that runs jobs."""

    job: str
    every: timedelta


@dataclass(frozen=True, slots=True)
class Subscriber:
    """`handler(event)` runs after the commit of every unit of work that recorded an `event`."""

    event: type[Event]
    handler: Callable[[Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Sender:
    """Delivers replies on tickets of `channel` to customer identities of kind `reaches`.

    `for_other_channels`: also answer tickets of channels that have no sender of their own
    (a phone call or a web form answered by email), when the customer has such an identity.
    """

    channel: str
    sender: ReplySender
    reaches: str
    for_other_channels: bool = False


@dataclass(frozen=True, slots=True)
class Parts:
    """What a component brings to one runtime."""

    jobs: Sequence[Job] = ()
    periodic: Sequence[Periodic] = ()
    subscribers: Sequence[Subscriber] = ()
    senders: Sequence[Sender] = ()
    health: Sequence[HealthCheck] = ()
    closers: Sequence[Closer] = ()  # closed newest first at shutdown
    # Its part in exporting and erasing a customer's data (Telegram updates, submissions...).
    personal_data: Sequence[PersonalData] = ()
    # Work written in the same transaction as the change that caused it (webhook fan-out).
    before_commit: Sequence[BeforeCommit] = ()


def _no_parts(rt: Runtime) -> Parts:
    return Parts()


@dataclass(frozen=True)
class Component:
    """A package that plugs into the product: a channel, the SLA engine, routing.

    `parts` declares what it brings to a runtime; `routes` returns its web routes (webhooks,
    forms, admin APIs); `cli` adds subcommands to the `helpdesk` command: a subcommand sets
    `run_in_runtime=<async def handler(rt, args) -> int>` as its default and `helpdesk` runs it
    with a migrated database and an assembled runtime. Composition roots list components;
    nothing else knows them.
    """

    name: str
    parts: Callable[[Runtime], Parts] = _no_parts
    routes: Callable[[Runtime], list[Any]] | None = None
    cli: Callable[[Any], None] | None = None  # receives argparse's subparsers object


@dataclass(frozen=True, slots=True)
class Registration:
    """One declaration in an assembled runtime, with the component that made it."""

    component: str
    what: Any  # a Job, Periodic, Subscriber or Sender


@dataclass
class Runtime:
    settings: Settings
    db: Database
    bus: Bus
    clock: Clock
    blobs: BlobStore
    signer: Signer
    stores: Stores
    scheduler: Scheduler
    fallback_sender: ReplySender
    registrations: list[Registration] = field(default_factory=list)
    # Things to close on shutdown, newest first (bot sessions, pools, ...).
    closers: list[Closer] = field(default_factory=list)
    # Component sections of /healthz (mailboxes, bots); they inform, not fail, the check.
    health_checks: list[HealthCheck] = field(default_factory=list)
    # Components' parts in exporting and erasing a customer's data, in install order.
    personal_data: list[PersonalData] = field(default_factory=list)
    # Batched access-log writes for request handlers (built by `assemble`).
    access_recorder: AccessRecorder | None = None
    # Bearer-token look-ups of this process (see helpdesk.token_cache).
    tokens: TokenCache = field(default_factory=TokenCache)
    _jobs: dict[str, JobFunction] = field(default_factory=dict)
    _short_jobs: set[str] = field(default_factory=set)
    _senders: dict[str, Sender] = field(default_factory=dict)
    _default_sender: Sender | None = None

    def add(self, component: str, parts: Parts) -> None:
        """Register a component's declarations (the composition root's job, not a component's)."""
        for job in parts.jobs:
            if job.name in self._jobs:
                raise ValueError(f"job {job.name!r} of {component} is already registered")
            self._jobs[job.name] = job.run
            if job.short:
                self._short_jobs.add(job.name)
        for periodic in parts.periodic:
            if periodic.job not in self._jobs:
                raise ValueError(f"periodic {periodic.job!r} of {component} names no job")
        for subscriber in parts.subscribers:
            self.bus.subscribe(subscriber.event, subscriber.handler)
        for sender in parts.senders:
            if sender.channel in self._senders:
                raise ValueError(f"channel {sender.channel!r} already has a sender")
            self._senders[sender.channel] = sender
            if sender.for_other_channels and self._default_sender is None:
                self._default_sender = sender
        self.registrations.extend(
            Registration(component, what)
            for what in (*parts.jobs, *parts.periodic, *parts.subscribers, *parts.senders)
        )
        self.health_checks.extend(parts.health)
        self.closers.extend(parts.closers)
        self.personal_data.extend(parts.personal_data)
        self.stores.before_commit.extend(parts.before_commit)

    @property
    def jobs(self) -> Mapping[str, JobFunction]:
        return MappingProxyType(self._jobs)

    @property
    def periodic(self) -> list[Periodic]:
        return [r.what for r in self.registrations if isinstance(r.what, Periodic)]

    def subscribers_of(self, event: type[Event]) -> list[Registration]:
        """Who reacts to `event`, in the order they run."""
        return [
            r
            for r in self.registrations
            if isinstance(r.what, Subscriber) and issubclass(event, r.what.event)
        ]

    def _sender(self, channel: str) -> Sender | None:
        return self._senders.get(channel) or self._default_sender

    # Who this runtime is when it takes an outbox lease (see helpdesk.liveness).
    process: ProcessIdentity = field(default_factory=ProcessIdentity)

    def sender_for(self, channel: str) -> ReplySender:
        """Who delivers replies on tickets of `channel`: its own sender, else the one declared
        for other channels, else the fallback that keeps the reply on the ticket only."""
        found = self._sender(channel)
        return self.fallback_sender if found is None else found.sender

    def reaches(self, channel: str) -> str | None:
        """The identity kind replies on tickets of `channel` go to (None: no channel delivers)."""
        found = self._sender(channel)
        return None if found is None else found.reaches

    def use_sender(self, channel: str, sender: ReplySender, reaches: str | None = None) -> None:
        """Replace the sender of `channel` (tests put a recording sender in place of SMTP)."""
        current = self._senders.get(channel)
        kind = reaches or (current.reaches if current else channel)
        replaced = Sender(channel, sender, kind, current.for_other_channels if current else False)
        self._senders[channel] = replaced
        if current is not None and self._default_sender is current:
            self._default_sender = replaced

    async def can_send(self, channel: str, source: str | None = None) -> bool:
        """Whether a message on `channel` (from `source`) would go anywhere right now."""
        sender = self.sender_for(channel)
        if isinstance(sender, ReachCheck):
            return await sender.can_send(source)
        return sender is not self.fallback_sender

    async def run_job(self, name: str, *args: Any) -> Any:
        attempt = 1
        while True:
            try:
                # Jobs are background work: on SQLite their writes wait behind interactive ones.
                with as_background(short=name in self._short_jobs):
                    return await self._jobs[name](self, *args)
            except Exception as exc:
                state = transient(exc)
                if attempt >= JOB_ATTEMPTS or state is None:
                    raise
                log.info("job %s%r: SQLSTATE %s; running it again", name, args, state)
                attempt += 1

    async def close(self) -> None:
        for closer in reversed(self.closers):
            await closer()
        await self.db.dispose()
