"""Receiving updates (webhook or getUpdates) and processing them, as idempotent jobs.

A received update is first stored raw (`telegram_update`, unique on bot and update_id), which
is all the webhook waits for; a job then parses it, downloads files and ingests it. A lost job
leaves a pending row that the reconciliation pass re-arms, so nothing is lost, and the row's
status flip is what makes a second run of the same job do nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from channels.chat import services as chat
from channels.chat._parse import parse_update, update_kind
from channels.chat.bots import BotConfig, Clients, advance_offset, load_bot_by_id, polling_bots
from channels.chat.inbound import Action, Context, decide
from helpdesk import lookups, services
from helpdesk.crypto import SecretBox
from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

PROCESS_JOB = "telegram_process_update"
POLL_JOB = "telegram_poll"
POLL_BACKOFF_BASE = timedelta(seconds=2)
POLL_BACKOFF_CAP = timedelta(minutes=5)
RECONCILE_JOB = "telegram_reconcile"
CALLBACK_JOB_PREFIX = "telegram_callback:"
STALE_AFTER = timedelta(seconds=20)
POLL_LIMIT = 100


@dataclass
class ChatState:
    """What the channel's jobs share in one process: the secret box, the Bot API clients, and
    one lock per chat so that a chat's updates (an album's parts arrive together) are processed
    one at a time and in order: two at once could each open a ticket for a new conversation."""

    box: SecretBox
    clients: Clients
    locks: dict[tuple[int, int | None], asyncio.Lock] = field(default_factory=dict)
    # Per polling bot whose Bot API failed: (failures in a row, no new attempt before).
    poll_retry: dict[int, tuple[int, datetime]] = field(default_factory=dict)

    def lock(self, bot_id: int, chat_id: int | None) -> asyncio.Lock:
        if len(self.locks) > 10_000:
            # Forget idle locks now and then; a lock only matters while it is held.
            self.locks = {k: v for k, v in self.locks.items() if v.locked()}
        return self.locks.setdefault((bot_id, chat_id), asyncio.Lock())


async def receive(rt: Runtime, bot: BotConfig, data: dict[str, Any]) -> bool:
    """Store one update and wake its job; False when it was received before."""
    async with rt.stores() as store:
        row_id = await chat.record_update(
            store, bot.id, int(data["update_id"]), update_kind(data), data
        )
    if row_id is None:
        return False
    await rt.scheduler.enqueue(PROCESS_JOB, row_id, key=f"telegram-update:{row_id}")
    return True


async def process_update(rt: Runtime, state: ChatState, row_id: int) -> str:
    """Act on one stored update, once. Returns what happened, for the job log."""
    async with rt.stores.read() as store:  # no write slot for reading
        row = await chat.load_update(store, row_id)
    if row is None or row["status"] != "pending":
        return "already processed"
    async with state.lock(int(row["bot_id"]), _raw_chat_id(row["raw"])):
        return await _process(rt, state, row_id)


async def _process(rt: Runtime, state: ChatState, row_id: int) -> str:
    async with rt.stores.read() as store:  # no write slot for reading; finish_update decides
        row = await chat.load_update(store, row_id)
        if row is None or row["status"] != "pending":
            return "already processed"
        config = await load_bot_by_id(store, state.box, int(row["bot_id"]))
        assert config is not None  # the update row cascades with its bot
        raw_chat = _raw_chat_id(row["raw"])
        chat_map = (
            await chat.migrated_chat(store, config.id, raw_chat)
            if raw_chat is not None and raw_chat < 0
            else None
        )
    bot = await state.clients.get(config)
    try:
        update = parse_update(row["raw"], bot)
        ctx = Context(config.name, bot, rt.settings.max_attachment_bytes, rt.clock.now(), chat_map)
        action = await decide(update, str(row["kind"]), ctx)
        async with rt.stores() as store:
            if not await chat.finish_update(store, row_id, "done", _outcome(action)):
                return "already processed"
            ticket_id = await _apply(store, config, action)
    except Exception as exc:
        # The per-message boundary: whatever went wrong, the raw update is kept in quarantine
        # and this update stops being retried, so one poison update cannot block the rest.
        log.exception("telegram update %s of bot %s failed", row["update_id"], config.name)
        async with rt.stores() as store:
            qid = await services.quarantine(
                store,
                channel="telegram",
                source=config.name,
                reason=f"update {row['update_id']} could not be processed: {exc}"[:2000],
                raw=json.dumps(row["raw"]).encode(),
            )
            await chat.finish_update(store, row_id, "failed", f"quarantined as #{qid}: {exc}")
        return f"quarantined: {exc}"
    if action.kind == "ignore":
        log.info("telegram update %s of bot %s ignored: %s", row["update_id"], config.name,
                 action.note)  # fmt: skip
    await _after_commit(rt, config, bot, action, ticket_id)
    return _outcome(action)


def _outcome(action: Action) -> str:
    return f"{action.kind}: {action.note}" if action.note else action.kind


def _raw_chat_id(raw: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message"):
        message = raw.get(key)
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            chat_id = message["chat"].get("id")
            return chat_id if isinstance(chat_id, int) else None
    return None


async def _apply(store: Any, config: BotConfig, action: Action) -> int | None:
    """The state change an action asks for, inside the caller's unit of work."""
    if action.kind == "edit" and action.message is not None:
        ticket_id = await chat.record_edit(
            store, action.message.external_id, action.message.text, action.edit_date
        )
        if ticket_id is not None:
            return ticket_id
        # An edit of a message we never saw: store it as that message.
        return await _ingest(store, config, action)
    if action.kind == "ingest":
        return await _ingest(store, config, action)
    if action.kind == "new_conversation" and action.chat_id is not None:
        return await chat.release_conversation(store, config.name, action.chat_id)
    if action.kind == "migrate" and action.migrate_from and action.migrate_to:
        await chat.migrate_chat(
            store, config.id, config.name, action.migrate_from, action.migrate_to
        )
        return None
    if action.kind == "callback" and action.callback and action.callback.chat_id is not None:
        return await chat.conversation_ticket(store, config.name, action.callback.chat_id)
    return None


async def _ingest(store: Any, config: BotConfig, action: Action) -> int | None:
    assert action.message is not None and action.chat_id is not None
    message = replace(
        action.message,
        category=action.message.category or config.default_category,
        team=await lookups.team_name(store, config.default_team_id)
        if config.default_team_id is not None
        else None,
    )
    result = await services.ingest(store, message, raw=None)
    if result.ticket_id is None:
        return None
    await chat.point_ticket_chat(store, result.ticket_id, config.id, action.chat_id)
    return result.ticket_id


async def _after_commit(
    rt: Runtime, config: BotConfig, bot: Bot, action: Action, ticket_id: int | None
) -> None:
    """Side effects of an update, after its changes are committed. Failures are logged: the
    update itself is stored, and a missing greeting is not worth redelivering it for."""
    try:
        if action.kind == "start" and action.chat_id is not None:
            await bot.send_message(action.chat_id, config.greeting(action.language))
        elif action.kind == "new_conversation" and action.chat_id is not None:
            text = _NEW_PROMPT.get(action.language or "en", _NEW_PROMPT["en"])
            await bot.send_message(action.chat_id, text)
        elif action.kind == "callback" and action.callback is not None:
            await bot.answer_callback_query(action.callback.query_id)
    except TelegramError as exc:
        log.warning("telegram %s reply to bot %s failed: %s", action.kind, config.name, exc)
    if action.kind == "callback" and action.callback is not None:
        await _route_callback(rt, config, action, ticket_id)


_NEW_PROMPT = {
    "en": "Send your message: it will start a new ticket.",
    "tr": "Mesajınızı gönderin: yeni bir talep açılacak.",
}


async def _route_callback(
    rt: Runtime, config: BotConfig, action: Action, ticket_id: int | None
) -> None:
    """Button presses go to whoever registered the job `telegram_callback:<prefix>`, where the
    callback data is `<prefix>:<rest>` (e.g. a CSAT survey's `csat:<token>:<rating>`). The job
    gets (bot name, chat id, user id, data, ticket id). Unclaimed presses are only logged."""
    press = action.callback
    assert press is not None
    prefix = press.data.split(":", 1)[0]
    job = CALLBACK_JOB_PREFIX + prefix
    if job not in rt.jobs:
        log.info("telegram button %r on bot %s has no handler", press.data[:64], config.name)
        return
    await rt.scheduler.enqueue(
        job, config.name, press.chat_id, press.user_id, press.data, ticket_id,
        key=f"telegram-callback:{config.id}:{press.query_id}",
    )  # fmt: skip


async def poll(rt: Runtime, state: ChatState) -> int:
    """One getUpdates round for every bot in polling mode; returns how many updates were new.

    Raw JSON is fetched (not PTB's parsed list, and not `Bot.do_api_request`, which warns for
    methods PTB wraps) so that an update PTB cannot parse is still stored and quarantined
    rather than blocking the offset forever.
    """
    async with rt.stores.read() as store:  # no write slot for reading
        configs = await polling_bots(store, state.box)
    received = 0
    now = rt.clock.now()
    for config in configs:
        failures, not_before = state.poll_retry.get(config.id, (0, now))
        if now < not_before:
            continue  # backing off: the Bot API failed recently
        try:
            result = await state.clients.get_updates_raw(config, config.poll_offset, POLL_LIMIT)
        except TelegramError as exc:
            # Exponential backoff, so an unreachable Bot API costs a warning now and then
            # instead of one every poll.
            delay = min(POLL_BACKOFF_BASE * 2**failures, POLL_BACKOFF_CAP)
            state.poll_retry[config.id] = (failures + 1, now + delay)
            log.warning(
                "getUpdates for bot %s failed: %s; next try in %d s",
                config.name,
                exc,
                delay.total_seconds(),
            )
            continue
        if state.poll_retry.pop(config.id, None) is not None:
            log.info("getUpdates for bot %s works again", config.name)
        updates = [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if not updates:
            continue
        new_rows: list[int] = []
        async with rt.stores() as store:
            for data in updates:
                row_id = await chat.record_update(
                    store, config.id, data["update_id"], update_kind(data), data
                )
                if row_id is not None:
                    new_rows.append(row_id)
            await advance_offset(store, config.id, max(u["update_id"] for u in updates) + 1)
        for row_id in new_rows:
            await rt.scheduler.enqueue(PROCESS_JOB, row_id, key=f"telegram-update:{row_id}")
        received += len(new_rows)
    return received


async def reconcile(rt: Runtime) -> int:
    """Re-arm updates whose processing job was lost."""
    async with rt.stores() as store:
        stale = await chat.stale_updates(store, STALE_AFTER)
    # A key of its own per pass and process: arq keeps the first job's key while a killed
    # worker's job counts as in progress (minutes), and would drop a re-arm under that key.
    bucket = int(rt.clock.now().timestamp() // STALE_AFTER.total_seconds())
    for row_id in stale:
        key = f"telegram-update:{row_id}:r{bucket}:{rt.process.id}"
        await rt.scheduler.enqueue(PROCESS_JOB, row_id, key=key)
    return len(stale)
