"""Composition root for jobs: builds the runtime every process shares, and arq's worker.

`assemble()` wires the core, the channels, routing and SLA into one `Runtime`; `helpdesk.app`
calls it too, so the web process and the worker run the same code.
"""

from __future__ import annotations

import logging
from typing import Any

from arq import cron, func
from arq.worker import Function

from helpdesk import jobs
from helpdesk.access_recorder import AccessRecorder
from helpdesk.blobs import BlobStore
from helpdesk.bus import Bus
from helpdesk.db import Database
from helpdesk.log_sender import LoggingSender
from helpdesk.ports import Clock, Scheduler, SystemClock
from helpdesk.runtime import Component, Runtime
from helpdesk.scheduling import (
    QUEUE_NAME,
    ArqScheduler,
    InProcessScheduler,
    cron_fields,
    redis_settings,
)
from helpdesk.security import Signer
from helpdesk.settings import Settings, load_settings
from helpdesk.store import Stores

log = logging.getLogger(__name__)


def components() -> list[Component]:
    """Every component of the product, in the order they install. One line per component."""
    from channels.chat.component import COMPONENT as chat
    from channels.email.component import COMPONENT as email
    from channels.web_form.component import COMPONENT as web_form
    from helpdesk.admin.component import COMPONENT as admin
    from helpdesk.bots.component import COMPONENT as bots
    from helpdesk.inbox.component import COMPONENT as inbox
    from helpdesk.privacy_component import COMPONENT as privacy
    from helpdesk.supervisor.component import COMPONENT as supervisor
    from helpdesk.surveys.component import COMPONENT as surveys
    from routing.component import COMPONENT as routing
    from sla.component import COMPONENT as sla

    return [email, chat, web_form, sla, surveys, bots, privacy, inbox, supervisor, admin, routing]


def assemble(
    settings: Settings,
    *,
    clock: Clock | None = None,
    scheduler: Scheduler | None = None,
    with_components: bool = True,
) -> Runtime:
    """Build the runtime: database, bus, scheduler, senders, jobs and event subscribers.

    Connects nothing yet; `start()` does, so building is cheap and side-effect free.
    """
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    bus = Bus()
    blobs = BlobStore(settings.blob_dir)
    signer = Signer(settings.secret_key)
    if scheduler is None:
        scheduler = (
            ArqScheduler(settings.redis_url, clock)
            if settings.redis_url
            else InProcessScheduler(clock)
        )
    rt = Runtime(
        settings=settings,
        db=db,
        bus=bus,
        clock=clock,
        blobs=blobs,
        signer=signer,
        stores=Stores(db=db, bus=bus, clock=clock, blobs=blobs, signer=signer),
        scheduler=scheduler,
        fallback_sender=LoggingSender(),
    )
    if isinstance(scheduler, InProcessScheduler):
        scheduler.bind(rt.run_job)
    rt.access_recorder = AccessRecorder(rt.stores, clock)
    rt.add("core", jobs.parts(rt))
    for component in components() if with_components else []:
        rt.add(component.name, component.parts(rt))
    return rt


async def start(rt: Runtime, *, periodic: bool = True) -> None:
    """Register this process (voiding the leases of dead ones), connect the scheduler; with
    in-process jobs also start the periodic passes."""
    await rt.process.start(rt)
    rt.closers.insert(0, lambda: rt.process.stop(rt))  # closed last: after jobs stopped
    if isinstance(rt.scheduler, ArqScheduler):
        await rt.scheduler.connect()
        rt.closers.append(rt.scheduler.close)
    elif isinstance(rt.scheduler, InProcessScheduler):
        rt.scheduler.resume()
        rt.closers.append(rt.scheduler.stop)
        if periodic:
            for item in rt.periodic:
                rt.scheduler.start_periodic(item.job, item.every.total_seconds())


def _arq_function(name: str) -> Function:
    async def run(ctx: dict[str, Any], *args: Any) -> Any:
        runtime: Runtime = ctx["runtime"]
        return await runtime.run_job(name, *args)

    run.__qualname__ = run.__name__ = name
    return func(run, name=name, max_tries=3)


def worker_settings(settings: Settings, *, clock: Clock | None = None) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker`, running every job of the assembled runtime."""
    if not settings.redis_url:
        raise RuntimeError("HELPDESK_REDIS_URL is not set: `helpdesk serve` runs jobs in-process")
    probe = assemble(settings, clock=clock, scheduler=InProcessScheduler(SystemClock()))
    names = list(probe.jobs)
    periodic = list(probe.periodic)

    async def on_startup(ctx: dict[str, Any]) -> None:
        rt = assemble(settings, clock=clock)
        await start(rt, periodic=False)
        ctx["runtime"] = rt

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        rt: Runtime | None = ctx.get("runtime")
        if rt is not None:
            await rt.close()

    cron_jobs = [
        cron(
            _arq_function(item.job).coroutine,
            name=f"cron:{item.job}",
            run_at_startup=True,
            unique=True,
            **cron_fields(item.every),
        )
        for item in periodic
    ]
    return {
        "functions": [_arq_function(name) for name in names],
        "cron_jobs": cron_jobs,
        "redis_settings": redis_settings(settings.redis_url),
        "queue_name": QUEUE_NAME,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "poll_delay": 0.1,
        "max_jobs": 20,
        "job_timeout": 300,
        "keep_result": 60,
        "health_check_interval": 10,
        "handle_signals": True,
    }


def run_worker(settings: Settings | None = None) -> None:
    """`helpdesk worker`: run jobs from Redis until SIGTERM."""
    from arq.worker import Worker

    worker = Worker(**worker_settings(settings or load_settings()))
    worker.run()
