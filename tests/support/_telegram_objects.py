"""Bot API object shapes and parameter typing for the Bot API stand-in (``telegram_api``)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

JsonDict = dict[str, Any]

# The real Bot API types parameters by a schema; form bodies carry strings. These tables cover
# the methods the stand-in serves, so assertions see ints/bools/objects like a JSON body would.
INT_PARAMS = frozenset(
    {
        "message_id",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
        "duration",
        "width",
        "height",
        "user_id",
        "from_chat_id",
    }
)
BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "allow_paid_broadcast",
    }
)
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "media",
    }
)
_INT_RE = re.compile(r"-?\d+")


def coerce_param(name: str, value: Any) -> Any:
    """Type one form value the way the Bot API would read it."""
    if not isinstance(value, str):
        return value
    if name == "chat_id":
        return int(value) if _INT_RE.fullmatch(value) else value
    if name in INT_PARAMS and _INT_RE.fullmatch(value):
        return int(value)
    if name in BOOL_PARAMS:
        return value.lower() in {"true", "1"}
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def bot_user(bot_id: int, first_name: str, username: str) -> JsonDict:
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def chat(chat_id: int | str) -> JsonDict:
    """A plausible Chat for a chat_id: positive ids are private chats, negative ones groups."""
    if isinstance(chat_id, str):
        # "@channelusername": give it a stable synthetic supergroup-style id.
        return {
            "id": -1000000000000 - (abs(hash(chat_id)) % 10**9),
            "type": "channel",
            "title": chat_id.lstrip("@"),
            "username": chat_id.lstrip("@"),
        }
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group{chat_id}"}


def user(user_id: int, first_name: str = "Alice", username: str | None = None) -> JsonDict:
    u: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if username:
        u["username"] = username
    return u


def text_message_update(
    chat_id: int,
    text: str,
    *,
    message_id: int = 1,
    user_id: int | None = None,
    first_name: str = "Alice",
    username: str | None = None,
    date: int | None = None,
) -> JsonDict:
    """An incoming private text message update (``/commands`` get their ``bot_command`` entity).

    ``update_id`` is left out: ``queue_update`` assigns one.
    """
    message: JsonDict = {
        "message_id": message_id,
        "date": date if date is not None else int(time.time()),
        "chat": chat(chat_id),
        "from": user(user_id if user_id is not None else chat_id, first_name, username),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"message": message}


def callback_query_update(
    chat_id: int, data: str, *, message: JsonDict, user_id: int | None = None, query_id: str = "1"
) -> JsonDict:
    """A press on an inline keyboard button under ``message`` (a Message dict the bot sent)."""
    return {
        "callback_query": {
            "id": query_id,
            "from": user(user_id if user_id is not None else chat_id),
            "chat_instance": str(chat_id),
            "message": message,
            "data": data,
        }
    }
