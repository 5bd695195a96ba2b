"""This process's identity and heartbeat: what makes a lease ours, and tells others we run.

`start()` registers the process and sweeps dead ones (so a restart retries a killed process's
deliveries at once); a task refreshes the heartbeat; a clean close gives the leases back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from helpdesk.services import processes

if TYPE_CHECKING:
    from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

# Ids of the runtimes whose heartbeat runs in this OS process: alive by definition.
_LOCAL: set[str] = set()


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (signal 0 checks, sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@dataclass
class ProcessIdentity:
    """Who holds a lease: a fresh id per runtime, and where it runs."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    _task: asyncio.Task[None] | None = None

    async def start(self, rt: Runtime) -> processes.Swept:
        """Register, sweep dead processes, and keep the heartbeat going until `stop`."""
        if self._task is not None:
            return processes.Swept((), 0)
        async with rt.stores() as store:
            await processes.register(store, self.id, self.host, self.pid)
        _LOCAL.add(self.id)
        swept = await sweep(rt)
        self._task = asyncio.create_task(self._beat(rt))
        return swept

    async def _beat(self, rt: Runtime) -> None:
        while True:
            await asyncio.sleep(processes.HEARTBEAT_EVERY.total_seconds())
            try:
                async with rt.stores() as store:
                    await processes.beat(store, self.id)
            except LookupError:
                # Swept as dead while we stalled: our leases were voided and may be retried
                # elsewhere; carry on under the same id so new leases are ours again.
                log.warning("process %s was taken for dead; registering again", self.id)
                async with rt.stores() as store:
                    await processes.register(store, self.id, self.host, self.pid)
            except Exception:
                log.exception("heartbeat of process %s failed", self.id)

    async def halt(self) -> None:
        """Stop beating without saying goodbye: what `kill -9` leaves behind (tests use it)."""
        _LOCAL.discard(self.id)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def stop(self, rt: Runtime) -> None:
        """A clean stop: stop beating, give back our leases, forget our row."""
        if self._task is None:
            return
        await self.halt()
        async with rt.stores() as store:
            await processes.unregister(store, self.id)


async def sweep(rt: Runtime) -> processes.Swept:
    """Void the leases of processes known to be dead; log what was taken over."""
    me = rt.process
    async with rt.stores() as store:
        swept = await processes.sweep(
            store, me=me.id, host=me.host, alive=pid_alive, local=frozenset(_LOCAL)
        )
    if swept.process_ids:
        log.info(
            "processes %s are gone; %d deliveries they held are retried now",
            ", ".join(swept.process_ids),
            swept.leases_voided,
        )
    return swept
