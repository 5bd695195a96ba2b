"""Processes that hold outbox leases, and voiding the leases of dead ones.

A lease is named after the process that took it (`outbox.locked_by`). A process that is known
dead (on this host: its pid is gone; anywhere: its heartbeat is stale) gets its leases voided,
so its unfinished deliveries are retried at once instead of when the lease would have ended.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update

from helpdesk.domain import OutboxStatus
from helpdesk.store import Store
from helpdesk.tables import outbox_t, process_t

# A process writes its heartbeat every HEARTBEAT_EVERY; one silent for STALE_AFTER is dead.
HEARTBEAT_EVERY = timedelta(seconds=10)
STALE_AFTER = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Swept:
    process_ids: tuple[str, ...]
    leases_voided: int


async def register(store: Store, process_id: str, host: str, pid: int) -> None:
    """Record a starting process and its first heartbeat."""
    now = store.now()
    await store.execute(
        insert(process_t).values(
            id=process_id, host=host, pid=pid, started_at=now, heartbeat_at=now
        )
    )


async def beat(store: Store, process_id: str) -> None:
    """Refresh the process's heartbeat (re-registering it if a sweep removed it meanwhile)."""
    updated = await store.execute(
        update(process_t)
        .where(process_t.c.id == process_id)
        .values(heartbeat_at=store.now())
        .returning(process_t.c.id)
    )
    if updated.first() is None:
        raise LookupError(process_id)


async def unregister(store: Store, process_id: str) -> int:
    """A clean stop: give back the process's leases and forget it. Returns leases given back."""
    voided = await _void_leases(store, [process_id])
    await store.execute(delete(process_t).where(process_t.c.id == process_id))
    return voided


async def sweep(
    store: Store,
    *,
    me: str,
    host: str,
    alive: Callable[[int], bool],
    local: Collection[str] = (),
    stale_after: timedelta = STALE_AFTER,
) -> Swept:
    """Forget dead processes and void their leases.

    Dead: on `host`, a process whose pid `alive` denies, or one with our own pid that is not
    one of this process's runtimes (`local`; the pid was reused after a restart, as pid 1 in a
    container is); anywhere, one whose heartbeat is older than `stale_after`. `me` and `local`
    are never stale: we know they run.
    """
    now = store.now()
    rows = await store.execute(
        select(process_t.c.id, process_t.c.host, process_t.c.pid, process_t.c.heartbeat_at)
    )
    dead: list[str] = []
    for row in rows:
        if row.id == me or row.id in local:
            continue
        gone_here = row.host == host and not alive(int(row.pid))
        silent = row.heartbeat_at < now - stale_after
        if gone_here or silent:
            dead.append(str(row.id))
    if not dead:
        return Swept((), 0)
    voided = await _void_leases(store, dead)
    await store.execute(delete(process_t).where(process_t.c.id.in_(dead)))
    return Swept(tuple(dead), voided)


async def _void_leases(store: Store, process_ids: list[str]) -> int:
    # The entry goes back to pending, due now: the next claim (by anyone) retries it.
    result = await store.execute(
        update(outbox_t)
        .where(
            outbox_t.c.status == OutboxStatus.SENDING.value,
            outbox_t.c.locked_by.in_(process_ids),
        )
        .values(
            status=OutboxStatus.PENDING.value,
            locked_until=None,
            locked_by=None,
            next_attempt_at=store.now(),
        )
        .returning(outbox_t.c.id)
    )
    return len(result.all())
