"""Turning raw update JSON into PTB objects, tolerating the legacy shapes Telegram's own docs use.

Telegram's webhook guide still shows updates without `is_bot` on users and without `type` on
chats, and new Bot API versions add objects older PTB releases require fields of. A strict parse
failure must not lose the customer's words, so we repair what is safely repairable and, as a
last resort, keep only the message fields we actually read.
"""

from __future__ import annotations

import copy
from typing import Any

from telegram import Bot, Update

JsonDict = dict[str, Any]

# Message fields the normaliser reads; everything else is dropped in the last-resort parse.
_MESSAGE_KEYS = frozenset({
    "message_id", "date", "chat", "from", "sender_chat", "text", "caption", "photo", "document",
    "voice", "audio", "video", "video_note", "location", "venue", "contact", "sticker",
    "reply_to_message", "media_group_id", "migrate_to_chat_id", "migrate_from_chat_id",
    "edit_date", "entities", "caption_entities",
})  # fmt: skip
_MESSAGE_UPDATES = ("message", "edited_message", "channel_post", "edited_channel_post")


def parse_update(data: JsonDict, bot: Bot) -> Update:
    """`Update.de_json`, then with legacy repairs, then with messages trimmed to what we read."""
    try:
        return _de_json(data, bot)
    except (TypeError, KeyError, ValueError, AttributeError):
        pass
    repaired = _repair(copy.deepcopy(data))
    try:
        return _de_json(repaired, bot)
    except (TypeError, KeyError, ValueError, AttributeError):
        pass
    trimmed = copy.deepcopy(repaired)
    for key in _MESSAGE_UPDATES:
        if isinstance(trimmed.get(key), dict):
            trimmed[key] = _trim(trimmed[key])
    return _de_json(trimmed, bot)


def _de_json(data: JsonDict, bot: Bot) -> Update:
    update = Update.de_json(data, bot)
    if update is None:
        raise ValueError("empty update")
    return update


def _repair(value: Any, key: str = "") -> Any:
    """Fill fields old samples leave out: `is_bot` on users, `type` on chats, string ids."""
    if isinstance(value, list):
        return [_repair(item, key) for item in value]
    if not isinstance(value, dict):
        return value
    fixed = {k: _repair(v, k) for k, v in value.items()}
    if key in ("from", "user", "forward_from", "via_bot") and "id" in fixed:
        fixed.setdefault("is_bot", False)
        fixed.setdefault("first_name", str(fixed.get("username") or fixed["id"]))
        # Some samples put a Chat where a User belongs; `type` would confuse User.
        fixed.pop("type", None)
    if key in ("chat", "sender_chat", "forward_from_chat") and "id" in fixed:
        chat_id = fixed["id"]
        if "type" not in fixed and isinstance(chat_id, int):
            fixed["type"] = "private" if chat_id > 0 else "group"
    if key in ("callback_query", "inline_query", "chosen_inline_result") and "id" in fixed:
        fixed["id"] = str(fixed["id"])
    if key == "callback_query":
        fixed.setdefault("chat_instance", "")
    if "file_id" in fixed:
        # Bot API 4.5 added file_unique_id; older payloads lack it.
        fixed.setdefault("file_unique_id", str(fixed["file_id"])[-32:])
    return fixed


def _trim(message: JsonDict) -> JsonDict:
    trimmed = {k: v for k, v in message.items() if k in _MESSAGE_KEYS}
    if isinstance(trimmed.get("reply_to_message"), dict):
        trimmed["reply_to_message"] = _trim(trimmed["reply_to_message"])
    return trimmed


def update_kind(data: JsonDict) -> str:
    """The update's kind: the one key besides `update_id` (unknown kinds included)."""
    kinds = [k for k in data if k != "update_id"]
    return kinds[0][:64] if kinds else "empty"
