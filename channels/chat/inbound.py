"""A parsed Telegram update -> what to do with it (an `InboundMessage` to ingest, an edit, a
greeting, a button press, a group migration, or nothing), with attachments downloaded.

Policies (documented here because they are choices):
- `/start` (optionally with a deep-link payload) greets in the user's language and opens no
  ticket: it is what Telegram sends when someone first opens the bot, not a request.
- `/new` with text (or media) opens a new ticket with that content; a bare `/new` releases the
  chat's conversation so that the next message opens a new ticket, and says so.
- Group chats: one ticket per group conversation (the chat id is in the conversation key), each
  writer is their own customer identity and joins the ticket as a participant; replies go to
  the group. Channel posts are broadcasts, not requests, and are acknowledged but ignored.
- Service messages (pins, joins, topics, giveaways, ...) carry no customer content: ignored.
- An edit of a message we stored updates that message (history kept); an edit of one we never
  saw is stored as the message, under the same id, so a late original is not stored twice.
- Attachments over the size limit or that cannot be fetched are recorded as dropped (listed in
  the message text and metadata); the message itself is never lost for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from telegram import Bot, Message, Update, User
from telegram.error import TelegramError

from channels.base import Attachment, Identity, InboundMessage

log = logging.getLogger(__name__)

BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB


@dataclass(frozen=True, slots=True)
class CallbackPress:
    query_id: str
    data: str
    user_id: int
    chat_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class Action:
    """What an update asks for. `kind` is one of: ingest, edit, start, new_conversation,
    callback, migrate, ignore."""

    kind: str
    update_kind: str
    note: str = ""
    message: InboundMessage | None = None
    chat_id: int | None = None
    language: str | None = None
    callback: CallbackPress | None = None
    migrate_from: int | None = None
    migrate_to: int | None = None
    edit_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class _FileRef:
    file_id: str
    filename: str
    content_type: str
    size: int | None


@dataclass
class _Content:
    text: str = ""
    files: list[_FileRef] = field(default_factory=list)


def conversation_key(bot_name: str, chat_id: int) -> str:
    return f"telegram:{bot_name}:{chat_id}"


def external_id(bot_name: str, chat_id: int, message_id: int) -> str:
    return f"{bot_name}:{chat_id}:{message_id}"


def language_of(user: User | None) -> str | None:
    code = (user.language_code or "") if user is not None else ""
    return code[:2].lower() or None


@dataclass(frozen=True, slots=True)
class Context:
    bot_name: str
    bot: Bot
    max_bytes: int
    now: datetime
    chat_map: int | None = None  # the chat id a migrated group now lives under


async def decide(update: Update, kind: str, ctx: Context) -> Action:
    """Classify `update` and build what the channel needs to act on it."""
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        press = CallbackPress(
            query_id=query.id,
            data=query.data or "",
            user_id=query.from_user.id,
            chat_id=message.chat.id if message is not None else None,
            message_id=message.message_id if message is not None else None,
        )
        return Action("callback", kind, callback=press, language=language_of(query.from_user))
    if update.message is not None:
        return await _message(update.message, kind, ctx)
    if update.edited_message is not None:
        action = await _message(update.edited_message, kind, ctx)
        if action.kind != "ingest":
            return Action("ignore", kind, note=f"edit of a {action.note or action.kind}")
        edited = update.edited_message.edit_date
        return Action(
            "edit",
            kind,
            message=action.message,
            chat_id=action.chat_id,
            edit_date=edited.astimezone(UTC) if edited else None,
        )
    if update.channel_post is not None or update.edited_channel_post is not None:
        return Action("ignore", kind, note="channel posts are broadcasts, not requests")
    return Action("ignore", kind, note=f"update kind {kind!r} is not handled")


async def _message(msg: Message, kind: str, ctx: Context) -> Action:
    chat = msg.chat
    if msg.migrate_to_chat_id is not None:
        return Action("migrate", kind, migrate_from=chat.id, migrate_to=msg.migrate_to_chat_id)
    if msg.migrate_from_chat_id is not None:
        return Action("migrate", kind, migrate_from=msg.migrate_from_chat_id, migrate_to=chat.id)
    if chat.type == "channel":
        return Action("ignore", kind, note="channel posts are broadcasts, not requests")
    chat_id = ctx.chat_map or chat.id
    bot_name = ctx.bot_name
    language = language_of(msg.from_user)
    content = _content(msg)
    # A forwarded "/start" is someone else's words being passed on, not a command to us.
    # (Bot API < 7 payloads carry `forward_date`, which PTB keeps in api_kwargs.)
    forwarded = msg.forward_origin is not None or "forward_date" in msg.api_kwargs
    command, rest = (None, "") if forwarded else _command(content.text)
    if command == "/start":
        return Action("start", kind, chat_id=chat_id, language=language)
    start_new = command == "/new"
    if start_new:
        content.text = rest
        if not rest and not content.files:
            return Action("new_conversation", kind, chat_id=chat_id, language=language)
    if not content.text and not content.files:
        return Action("ignore", kind, note="service message without customer content")

    attachments, dropped = await _download(
        ctx.bot, content.files, min(ctx.max_bytes, BOT_API_DOWNLOAD_LIMIT)
    )
    text = content.text
    if dropped:
        text = "\n".join([text, *(f"[attachment not imported: {d}]" for d in dropped)]).strip()
    extra: list[tuple[str, str]] = [("telegram_chat_type", chat.type)]
    extra += [("dropped_attachment", d) for d in dropped]
    references: list[str] = []
    if msg.reply_to_message is not None:
        replied = external_id(bot_name, chat_id, msg.reply_to_message.message_id)
        references += [replied + ":out", replied]  # our message, or one of theirs
        extra.append(("reply_to", str(msg.reply_to_message.message_id)))
    if msg.media_group_id:
        extra.append(("media_group_id", str(msg.media_group_id)))
    if msg.forward_origin is not None:
        extra.append(("forwarded", msg.forward_origin.type))
    inbound = InboundMessage(
        channel="telegram",
        external_id=external_id(bot_name, chat_id, msg.message_id),
        sender=_sender(msg),
        text=text,
        full_text=text,
        attachments=tuple(attachments),
        references=tuple(references),
        received_at=_when(msg.date, ctx.now),
        language=language,
        conversation_key=conversation_key(bot_name, chat_id),
        source=bot_name,
        start_new=start_new,
        follow_up_policy="new",
        extra=tuple(extra),
    )
    return Action("ingest", kind, message=inbound, chat_id=chat_id, language=language)


def _when(value: datetime | None, now: datetime) -> datetime:
    if value is None or value.timestamp() <= 0:
        # Inaccessible messages carry date 0; the moment we got it is the honest fallback.
        return now
    return value.astimezone(UTC)


def _sender(msg: Message) -> Identity:
    user = msg.from_user
    if user is not None:
        name = user.full_name or (user.username or "")
        return Identity("telegram", str(user.id), name)
    who = msg.sender_chat or msg.chat
    name = who.title or who.full_name or who.username or ""
    return Identity("telegram", str(who.id), name)


def _command(text: str) -> tuple[str | None, str]:
    if not text.startswith("/"):
        return None, text
    head, _, rest = text.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = (more + " " + rest).strip()
    return head.split("@", 1)[0].lower(), rest.strip()


def _content(msg: Message) -> _Content:
    content = _Content(text=msg.text or msg.caption or "")
    if msg.photo:
        best = max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        content.files.append(
            _FileRef(best.file_id, f"photo_{best.file_unique_id}.jpg", "image/jpeg", best.file_size)
        )
    if msg.document is not None:
        d = msg.document
        content.files.append(
            _FileRef(
                d.file_id,
                d.file_name or "document",
                d.mime_type or "application/octet-stream",
                d.file_size,
            )
        )
    for media, default_name, default_type in (
        (msg.voice, "voice.ogg", "audio/ogg"),
        (msg.audio, "audio.mp3", "audio/mpeg"),
        (msg.video, "video.mp4", "video/mp4"),
        (msg.video_note, "video_note.mp4", "video/mp4"),
    ):
        if media is None:
            continue
        name = getattr(media, "file_name", None) or default_name
        mime = getattr(media, "mime_type", None) or default_type
        content.files.append(_FileRef(media.file_id, name, mime, media.file_size))
    extra_lines = []
    if msg.venue is not None:
        v = msg.venue
        extra_lines.append(f"Venue: {v.title}, {v.address}")
    if msg.location is not None:
        loc = msg.location
        extra_lines.append(
            f"Location: {loc.latitude:.6f}, {loc.longitude:.6f} "
            f"(https://maps.google.com/?q={loc.latitude:.6f},{loc.longitude:.6f})"
        )
    if msg.contact is not None:
        c = msg.contact
        extra_lines.append(f"Contact: {c.first_name} {c.last_name or ''} {c.phone_number}".strip())
    if msg.sticker is not None:
        extra_lines.append(f"[sticker {msg.sticker.emoji or ''}]".replace(" ]", "]"))
    if extra_lines:
        content.text = "\n".join([content.text, *extra_lines]).strip()
    return content


async def _download(
    bot: Bot, files: list[_FileRef], limit: int
) -> tuple[list[Attachment], list[str]]:
    attachments: list[Attachment] = []
    dropped: list[str] = []
    for ref in files:
        if ref.size is not None and ref.size > limit:
            dropped.append(f"{ref.filename} ({ref.size} bytes): over the {limit} byte limit")
            continue
        try:
            file = await bot.get_file(ref.file_id)
            if file.file_size is not None and file.file_size > limit:
                dropped.append(f"{ref.filename} ({file.file_size} bytes): over the limit")
                continue
            content = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("telegram file %s not downloaded: %s", ref.file_id, exc)
            dropped.append(f"{ref.filename}: could not be downloaded ({exc})")
            continue
        if len(content) > limit:
            dropped.append(f"{ref.filename} ({len(content)} bytes): over the limit")
            continue
        attachments.append(Attachment(ref.filename, ref.content_type, len(content), content))
    return attachments, dropped
