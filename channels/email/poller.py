"""One mailbox's import loop: connect, import new mail, IDLE (or poll), reconnect with backoff.

imapclient blocks, so every IMAP step runs in a thread (`asyncio.to_thread`); database work
stays on the loop. A message is flagged or moved on the server only after the transaction that
stored it (with the new checkpoint) has committed: a crash in between re-imports it, and
ingest's idempotence makes that harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from channels.email import _imap, queries, services
from channels.email.config import MailboxConfig
from helpdesk.crypto import SecretBox
from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timing:
    """How patient the poller is; tests shorten these."""

    # Re-IDLE every few minutes: cheap, and it bounds the delay if a server drops a notice.
    idle_seconds: float = 5 * 60
    poll_seconds: float = 60.0
    backoff_first: float = 1.0
    backoff_max: float = 300.0
    io_timeout: float = 30.0


class MailboxPoller:
    """Keeps one mailbox imported until `stop()`; never lets an error escape `run()`."""

    def __init__(self, rt: Runtime, mailbox_id: int, timing: Timing | None = None) -> None:
        self.rt = rt
        self.mailbox_id = mailbox_id
        self.timing = timing or Timing()
        self._stop = threading.Event()  # read by IMAP threads
        self._stopped = asyncio.Event()  # the same, for the loop
        self.imported = 0

    def stop(self) -> None:
        self._stop.set()
        self._stopped.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def run(self) -> None:
        delay = self.timing.backoff_first
        while not self.stopping:
            try:
                if not await self._session():
                    return  # the mailbox was removed or deactivated
                delay = self.timing.backoff_first
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._report(exc)
                await self._sleep(delay)
                delay = min(delay * 2, self.timing.backoff_max)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    async def _report(self, exc: Exception) -> None:
        if isinstance(exc, LoginError):
            message = "login failed: wrong user or password"
        else:
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        log.warning("mailbox %s: %s", self.mailbox_id, message)
        try:
            async with self.rt.stores() as store:
                await services.record_error(store, self.mailbox_id, message)
        except Exception:
            log.exception("mailbox %s: could not record its error", self.mailbox_id)

    async def _config(self) -> MailboxConfig | None:
        async with self.rt.stores() as store:
            config = await queries.mailbox_config(
                store, SecretBox(self.rt.settings.secret_key), self.mailbox_id
            )
        return config if config is not None and config.active else None

    async def _session(self) -> bool:
        """One connection's life; False when the mailbox should no longer be polled."""
        mailbox = await self._config()
        if mailbox is None:
            return False
        client = await asyncio.to_thread(_imap.connect, mailbox, self.timing.io_timeout)
        try:
            folder = await asyncio.to_thread(_imap.select, client, mailbox.imap_folder)
            async with self.rt.stores() as store:
                await services.record_ok(store, mailbox.id)
            while not self.stopping:
                await self.sync(client, mailbox, folder)
                if self.stopping:
                    break
                seconds = self.timing.idle_seconds if folder.idle else self.timing.poll_seconds
                await asyncio.to_thread(_imap.wait, client, folder, seconds, self._stop)
                if await self._config() is None:
                    return False
        finally:
            await asyncio.to_thread(_imap.logout, client)
        return True

    async def sync(self, client: IMAPClient, mailbox: MailboxConfig, folder: _imap.Folder) -> int:
        """Import every new message of the selected folder; returns how many were handled."""
        async with self.rt.stores() as store:
            saved = await queries.checkpoint(store, mailbox.id, mailbox.imap_folder)
        last_uid = saved[1] if saved is not None and saved[0] == folder.uidvalidity else None
        if saved is not None and last_uid is None:
            log.warning("mailbox %s: UIDVALIDITY changed; re-reading unseen mail", mailbox.name)
        uids = await asyncio.to_thread(_imap.new_uids, client, last_uid)
        handled = 0
        for start in range(0, len(uids), _imap.BATCH):
            batch = uids[start : start + _imap.BATCH]
            raws = await asyncio.to_thread(_imap.fetch, client, batch)
            for uid in batch:
                raw = raws.get(uid)
                if raw is None:  # expunged meanwhile
                    continue
                await self._import(mailbox, folder, uid, raw)
                await asyncio.to_thread(_imap.finish, client, uid, mailbox.after_import, folder)
                handled += 1
                if self.stopping:
                    return handled
        return handled

    async def _import(
        self, mailbox: MailboxConfig, folder: _imap.Folder, uid: int, raw: bytes
    ) -> None:
        async with self.rt.stores() as store:
            own = await queries.own_addresses(store)
            outcome = await services.import_message(store, mailbox, raw, own)
            await services.save_checkpoint(
                store, mailbox.id, mailbox.imap_folder, folder.uidvalidity, uid
            )
        self.imported += 1
        log.info("mailbox %s: UID %s -> %s", mailbox.name, uid, outcome.outcome)
