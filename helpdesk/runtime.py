"""The running system's parts, built once by a composition root and passed to jobs and routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from helpdesk.blobs import BlobStore
from helpdesk.bus import Bus
from helpdesk.db import Database
from helpdesk.ports import Clock, ReplySender, Scheduler
from helpdesk.security import Signer
from helpdesk.settings import Settings
from helpdesk.store import Stores

Job = Callable[..., Awaitable[Any]]  # async def job(runtime, *args)
# A component's part of /healthz: returns (section name, report with an "ok" flag).
HealthCheck = Callable[["Runtime"], Awaitable[tuple[str, dict[str, Any]]]]


@dataclass
class Periodic:
    job: str
    every: timedelta


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
    senders: dict[str, ReplySender] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)
    # Things to close on shutdown, newest first (bot sessions, pools, ...).
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Component sections of /healthz (mailboxes, bots); they inform, not fail, the check.
    health_checks: list[HealthCheck] = field(default_factory=list)

    def sender_for(self, channel: str) -> ReplySender:
        return self.senders.get(channel, self.fallback_sender)

    async def run_job(self, name: str, *args: Any) -> Any:
        return await self.jobs[name](self, *args)

    async def close(self) -> None:
        for closer in reversed(self.closers):
            await closer()
        await self.db.dispose()


@dataclass(frozen=True)
class Component:
    """A package that plugs into the product: a channel, the SLA engine, routing.

    `install` registers senders, jobs, periodic passes and event subscribers on the runtime;
    `routes` returns its web routes (webhooks, forms, admin pages); `cli` adds subcommands to
    the `helpdesk` command: a subcommand sets `run_in_runtime=<async def handler(rt, args) ->
    int>` as its default and `helpdesk` runs it with a migrated database and an assembled
    runtime. Composition roots list components; nothing else knows them.
    """

    name: str
    install: Callable[[Runtime], None]
    routes: Callable[[Runtime], list[Any]] | None = None
    cli: Callable[[Any], None] | None = None  # receives argparse's subparsers object
