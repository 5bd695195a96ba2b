"""Bearer-token look-ups, remembered between requests.

Every API request names its token; looking it up is a join and a team query, on every request,
for an answer that almost never changes. The cache keeps the answer and asks the database one
cheap question instead: has anything that decides a token's access changed since? Triggers
bump the `auth_epoch` counter on every such change (a revoke, a deactivated user, a new role or
team), whichever process made it, so a revoked token is refused on its next request here and
everywhere, and an expired one at its expiry by the injected clock.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from helpdesk import services
from helpdesk.domain import Principal
from helpdesk.security import hash_api_token
from helpdesk.services import Store
from helpdesk.services.directory import TOKEN_SEEN_EVERY

# Bounds what a missing trigger (a table rebuilt without them) could let through.
KEEP = timedelta(seconds=30)
SIZE = 4096


@dataclass(slots=True)
class _Entry:
    use: services.TokenUse
    epoch: int
    cached_at: datetime
    seen_at: datetime | None  # its last use recorded, by this process or as read


class TokenCache:
    def __init__(self, size: int = SIZE) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._size = size
        self.hits = 0  # for tests and diagnostics
        self.misses = 0

    async def principal(self, store: Store, token: str) -> Principal:
        """The active user behind `token`, as `services.authenticate_token` answers."""
        return (await self.use(store, token)).principal

    async def use(self, store: Store, token: str) -> services.TokenUse:
        """`services.use_token`'s answer; `stale` is true at most once per
        `TOKEN_SEEN_EVERY` for a token this cache keeps (the caller records the use)."""
        key = hash_api_token(token)
        # Read before the look-up: on PostgreSQL each statement sees the latest commit, so a
        # change committed between the two reads leaves an entry under the old epoch (stale at
        # once), never a stale answer under the new one.
        epoch = await services.auth_epoch(store)
        now = store.now()
        entry = self._entries.get(key)
        if entry is not None and epoch == entry.epoch and _current(entry, now):
            self.hits += 1
            self._entries.move_to_end(key)
            stale = entry.seen_at is None or now - entry.seen_at >= TOKEN_SEEN_EVERY
            if stale:
                entry.seen_at = now
            return replace(entry.use, stale=stale)
        self.misses += 1
        self._entries.pop(key, None)
        use = await services.use_token(store, token)  # Unauthorized: nothing is kept
        if epoch is not None:
            seen_at = now if use.stale else use.last_used_at
            self._entries[key] = _Entry(use, epoch, now, seen_at)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return use


def _current(entry: _Entry, now: datetime) -> bool:
    expires_at = entry.use.expires_at
    if expires_at is not None and now >= expires_at:
        return False
    return entry.cached_at <= now < entry.cached_at + KEEP
