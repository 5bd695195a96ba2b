"""Keeps exactly one poller per active mailbox running, across processes.

`email_pollers` runs periodically (in-process scheduler, or arq's cron in each worker). It
starts a poller task in this process for every active mailbox that has none here, and stops
those whose mailbox went away. With Redis configured each poller first takes a lock
(`SET NX PX`) that it renews while it runs, so several workers never poll one mailbox twice;
a worker that dies lets its lock expire and another worker takes over on its next pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from redis.asyncio import Redis

from channels.email import queries
from channels.email.poller import MailboxPoller, Timing
from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

SUPERVISE_EVERY = timedelta(seconds=10)
LOCK_MS = 30_000
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Pollers:
    """The poller tasks of this process."""

    def __init__(self, timing: Timing | None = None) -> None:
        self.timing = timing or Timing()
        self.running: dict[int, tuple[MailboxPoller, asyncio.Task[None]]] = {}
        self._owner = uuid.uuid4().hex
        self._redis: Redis | None = None

    @staticmethod
    def _lock_key(mailbox_id: int) -> str:
        return f"helpdesk:email:poller:{mailbox_id}"

    async def supervise(self, rt: Runtime) -> int:
        """Start missing pollers, stop unwanted ones; returns how many run in this process."""
        async with rt.stores() as store:
            wanted = set(await queries.active_mailbox_ids(store))
        for mailbox_id, (poller, task) in list(self.running.items()):
            if task.done() or mailbox_id not in wanted:
                poller.stop()
                if task.done():
                    self.running.pop(mailbox_id)
        for mailbox_id in sorted(wanted - set(self.running)):
            if rt.settings.redis_url and not await self._acquire(rt, mailbox_id):
                continue  # another process polls it
            poller = MailboxPoller(rt, mailbox_id, self.timing)
            task = asyncio.create_task(self._run(rt, poller), name=f"email-poller-{mailbox_id}")
            self.running[mailbox_id] = (poller, task)
        return len(self.running)

    async def _run(self, rt: Runtime, poller: MailboxPoller) -> None:
        renew = None
        if rt.settings.redis_url:
            renew = asyncio.create_task(self._keep_lock(rt, poller))
        try:
            await poller.run()
        except Exception:
            log.exception("poller of mailbox %s crashed", poller.mailbox_id)
        finally:
            if renew is not None:
                renew.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renew
                await self._release(rt, poller.mailbox_id)

    def _client(self, rt: Runtime) -> Redis:
        if self._redis is None:
            assert rt.settings.redis_url
            self._redis = Redis.from_url(rt.settings.redis_url)
        return self._redis

    async def _acquire(self, rt: Runtime, mailbox_id: int) -> bool:
        try:
            got = await self._client(rt).set(
                self._lock_key(mailbox_id), self._owner, nx=True, px=LOCK_MS
            )
        except Exception as exc:  # Redis down: poll nothing rather than twice
            log.warning("email poller lock unavailable: %s", exc)
            return False
        return bool(got)

    async def _keep_lock(self, rt: Runtime, poller: MailboxPoller) -> None:
        key = self._lock_key(poller.mailbox_id)
        while True:
            await asyncio.sleep(LOCK_MS / 3000)
            try:
                kept = await self._client(rt).eval(_RENEW, 1, key, self._owner, str(LOCK_MS))  # type: ignore[misc]
            except Exception as exc:
                log.warning("mailbox %s: lock renewal failed: %s", poller.mailbox_id, exc)
                kept = 0
            if not kept:
                log.warning("mailbox %s: lost its poller lock; stopping", poller.mailbox_id)
                poller.stop()
                return

    async def _release(self, rt: Runtime, mailbox_id: int) -> None:
        with contextlib.suppress(Exception):
            await self._client(rt).eval(_RELEASE, 1, self._lock_key(mailbox_id), self._owner)  # type: ignore[misc]

    async def close(self) -> None:
        """Stop every poller of this process (they finish their current step first)."""
        for poller, _task in self.running.values():
            poller.stop()
        for _poller, task in list(self.running.values()):
            try:
                await asyncio.wait_for(task, 10)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
        self.running.clear()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
