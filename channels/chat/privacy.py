"""The Telegram channel's part in exporting and erasing personal data: the raw updates it
keeps (names, user ids, texts) and the chats tickets answer to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import delete, select

from channels.chat.inbound import external_id
from channels.chat.tables import bot_t, ticket_chat_t, update_t
from helpdesk.ports import PersonalDataScope
from helpdesk.services import Store

_PEOPLE_KEYS = ("from", "chat", "user", "sender_chat", "new_chat_member", "old_chat_member")
_MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")
_BATCH = 500


def _people(value: Any) -> Iterator[str]:
    """Every user or chat id mentioned anywhere in an update."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in _PEOPLE_KEYS and isinstance(inner, dict) and "id" in inner:
                yield str(inner["id"])
            yield from _people(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _people(inner)


def _message_ids(bot_name: str, raw: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in _MESSAGE_KEYS:
        msg = raw.get(key)
        if isinstance(msg, dict) and isinstance(msg.get("chat"), dict) and "message_id" in msg:
            yield "telegram", external_id(bot_name, int(msg["chat"]["id"]), int(msg["message_id"]))


class ChatPersonalData:
    name = "telegram"

    async def _matching(self, store: Store, scope: PersonalDataScope) -> list[dict[str, Any]]:
        people = {address for kind, address in scope.identities if kind == "telegram"}
        messages = set(scope.external_ids)
        found: list[dict[str, Any]] = []
        last = 0
        while True:
            rows = (
                (
                    await store.execute(
                        select(update_t, bot_t.c.name.label("bot_name"))
                        .join(bot_t, bot_t.c.id == update_t.c.bot_id)
                        .where(update_t.c.id > last)
                        .order_by(update_t.c.id)
                        .limit(_BATCH)
                    )
                )
                .mappings()
                .all()
            )
            if not rows:
                return found
            last = int(rows[-1]["id"])
            for row in rows:
                raw = row["raw"] or {}
                if people.intersection(_people(raw)) or messages.intersection(
                    _message_ids(row["bot_name"], raw)
                ):
                    found.append(dict(row))

    async def export(self, store: Store, scope: PersonalDataScope) -> dict[str, Any]:
        updates = await self._matching(store, scope)
        chats = await store.execute(
            select(ticket_chat_t).where(ticket_chat_t.c.ticket_id.in_(scope.ticket_ids))
        )
        return {
            "updates": [
                {k: u[k] for k in ("id", "bot_name", "update_id", "kind", "raw", "received_at")}
                for u in updates
            ],
            "ticket_chats": [dict(c) for c in chats.mappings()],
        }

    async def erase(self, store: Store, scope: PersonalDataScope) -> int:
        ids = [int(u["id"]) for u in await self._matching(store, scope)]
        removed = 0
        if ids:
            gone = await store.execute(delete(update_t).where(update_t.c.id.in_(ids)))
            removed += getattr(gone, "rowcount", 0) or 0
        if scope.ticket_ids:
            gone = await store.execute(
                delete(ticket_chat_t).where(ticket_chat_t.c.ticket_id.in_(scope.ticket_ids))
            )
            removed += getattr(gone, "rowcount", 0) or 0
        return removed
