"""Agent replies to Telegram: text via sendMessage, files via sendPhoto/sendDocument.

Text goes out as plain text (no `parse_mode`), so nothing an agent types can break Markdown or
HTML parsing or inject formatting; long texts are split at Telegram's 4096-character limit.
Errors map onto the outbox's retry rules: a user who blocked the bot (403) or a chat that is
gone (400) fails for good; flood control (429) retries after Telegram's `retry_after`; network
trouble is transient. A partly delivered reply (text sent, a file failed transiently) is sent
again whole on retry: Telegram has no idempotency key to prevent that.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError

from channels.chat import services as chat
from channels.chat.bots import BotConfig, load_bot, load_bot_by_id
from channels.chat.jobs import ChatState
from helpdesk.errors import DeliveryError
from helpdesk.ports import DeliveryReceipt, OutboundMessage
from helpdesk.runtime import Runtime

MAX_TEXT = 4096
_PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
_MAX_PHOTO = 10 * 1024 * 1024


class TelegramSender:
    """The `ReplySender` for channel "telegram"."""

    channel = "telegram"

    def __init__(self, rt: Runtime, state: ChatState) -> None:
        self._rt = rt
        self._state = state

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        config, chat_id = await self._target(message)
        try:
            bot = await self._state.clients.get(config)
            return await _deliver(bot, config, chat_id, message)
        except RetryAfter as exc:
            raise DeliveryError(
                f"Telegram flood control: {exc}", permanent=False, retry_after=seconds(exc)
            ) from None
        except Forbidden as exc:
            raise DeliveryError(f"Telegram refused: {exc.message}", permanent=True) from None
        except BadRequest as exc:
            raise DeliveryError(f"Telegram rejected: {exc.message}", permanent=True) from None
        except InvalidToken:
            raise DeliveryError(
                f"bot {config.name}: token rejected by Telegram", permanent=False
            ) from None
        except TelegramError as exc:  # NetworkError, TimedOut, server errors
            raise DeliveryError(f"Telegram unreachable: {exc}", permanent=False) from None

    async def _target(self, message: OutboundMessage) -> tuple[BotConfig, int]:
        async with self._rt.stores.read() as store:  # no write slot for reading
            found = await chat.ticket_chat(store, message.ticket_id)
            if found is not None:
                config = await load_bot_by_id(store, self._state.box, found[0])
                chat_id = found[1]
            else:
                # No chat recorded (a ticket logged by an agent for a Telegram customer): the
                # requester's private chat with the ticket's bot has the user's id.
                config = await load_bot(store, self._state.box, message.source or "")
                if (
                    config is None
                    or not message.to
                    or not message.to[0].address.lstrip("-").isdigit()
                ):
                    raise DeliveryError(
                        f"ticket #{message.ticket_number} has no Telegram chat to reply to",
                        permanent=True,
                    )
                chat_id = int(message.to[0].address)
        if config is None:
            raise DeliveryError("the ticket's Telegram bot no longer exists", permanent=True)
        if not config.active:
            raise DeliveryError(f"bot {config.name} is deactivated", permanent=True)
        return config, chat_id


async def _deliver(
    bot: Bot, config: BotConfig, chat_id: int, message: OutboundMessage
) -> DeliveryReceipt:
    sent_ids: list[int] = []
    markup = _buttons(message.extra.get("buttons"))
    chunks = split_text(message.text)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1 and not message.attachments
        sent = await bot.send_message(chat_id, chunk, reply_markup=markup if last else None)
        sent_ids.append(sent.message_id)
    for attachment in message.attachments:
        upload = InputFile(attachment.content, filename=attachment.filename)
        if attachment.content_type in _PHOTO_TYPES and len(attachment.content) <= _MAX_PHOTO:
            sent = await bot.send_photo(chat_id, upload)
        else:
            sent = await bot.send_document(chat_id, upload)
        sent_ids.append(sent.message_id)
    # Our own messages get an ":out" suffix: message ids are per chat and a stand-in or a
    # local Bot API server may reuse a customer's id, which must not collide with theirs.
    keys = tuple(f"{outbound_key(config.name, chat_id, mid)}" for mid in sent_ids)
    return DeliveryReceipt(external_id=keys[0] if keys else None, thread_keys=keys[1:])


def outbound_key(bot_name: str, chat_id: int, message_id: int) -> str:
    return f"{bot_name}:{chat_id}:{message_id}:out"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Telegram's message limit is 4096 characters; split at line breaks where possible."""
    text = text.strip()
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    if text:
        chunks.append(text)
    return chunks


def _buttons(spec: object) -> InlineKeyboardMarkup | None:
    """`extra["buttons"]`: rows of {"text", "data"} (e.g. a CSAT survey's rating buttons)."""
    if not isinstance(spec, list) or not spec:
        return None
    rows = [
        [
            InlineKeyboardButton(str(b["text"]), callback_data=str(b["data"])[:64])
            for b in row
            if isinstance(b, dict) and "text" in b and "data" in b
        ]
        for row in spec
        if isinstance(row, list)
    ]
    return InlineKeyboardMarkup([r for r in rows if r]) if any(rows) else None


def seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds, whether PTB hands out a timedelta (PTB_TIMEDELTA) or an int."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
