"""Bot configuration (a service: the only code that writes `telegram_bot`) and Bot API clients.

Tokens are encrypted at rest and never leave this module in a listing: `BotInfo` has no token.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from channels.chat.tables import DEFAULT_API_URL, DEFAULT_FILE_URL, bot_t
from helpdesk import lookups
from helpdesk.crypto import SecretBox
from helpdesk.domain import Actor, AuditKind
from helpdesk.errors import Conflict, HelpdeskError, NotFound, ValidationFailed
from helpdesk.services import Store
from helpdesk.services._common import audit_config

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,200}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram allows in secret_token
MODES = ("webhook", "polling")
LANGUAGES = ("en", "tr")
DEFAULT_GREETINGS = {
    "en": "Hello! Write your question here and our support team will answer in this chat.",
    "tr": "Merhaba! Sorunuzu buraya yazın; destek ekibimiz bu sohbette yanıtlayacak.",
}


@dataclass(frozen=True, slots=True)
class BotInfo:
    """A bot as listed to admins: everything but the token."""

    id: int
    name: str
    mode: str
    username: str | None
    api_url: str
    default_category: str | None
    default_team_id: int | None
    greetings: dict[str, str]
    active: bool
    webhook_path: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "mode": self.mode,
            "username": self.username,
            "api_url": self.api_url,
            "default_category": self.default_category,
            "default_team_id": self.default_team_id,
            "greetings": self.greetings,
            "active": self.active,
            "webhook_path": self.webhook_path,
        }


@dataclass(frozen=True, slots=True)
class BotConfig:
    """A bot as the channel uses it, token decrypted."""

    id: int
    name: str
    token: str
    webhook_secret: str
    mode: str
    api_url: str
    file_url: str
    default_category: str | None
    default_team_id: int | None
    greetings: dict[str, str]
    active: bool
    poll_offset: int

    def greeting(self, language: str | None) -> str:
        lang = (language or "en")[:2].lower()
        lang = lang if lang in LANGUAGES else "en"
        return self.greetings.get(lang) or DEFAULT_GREETINGS[lang]


def webhook_path(name: str) -> str:
    return f"/channels/telegram/{name}/webhook"


def _info(row: RowMapping) -> BotInfo:
    return BotInfo(
        id=int(row["id"]),
        name=str(row["name"]),
        mode=str(row["mode"]),
        username=row["username"],
        api_url=str(row["api_url"]),
        default_category=row["default_category"],
        default_team_id=row["default_team_id"],
        greetings=dict(row["greetings"] or {}),
        active=bool(row["active"]),
        webhook_path=webhook_path(str(row["name"])),
    )


def _config(row: RowMapping, box: SecretBox) -> BotConfig:
    return BotConfig(
        id=int(row["id"]),
        name=str(row["name"]),
        token=box.decrypt(str(row["token_encrypted"])),
        webhook_secret=str(row["webhook_secret"]),
        mode=str(row["mode"]),
        api_url=str(row["api_url"]),
        file_url=str(row["file_url"]),
        default_category=row["default_category"],
        default_team_id=row["default_team_id"],
        greetings=dict(row["greetings"] or {}),
        active=bool(row["active"]),
        poll_offset=int(row["poll_offset"]),
    )


def _validate(
    name: str,
    token: str,
    mode: str,
    webhook_secret: str | None,
    greetings: dict[str, str],
) -> None:
    errors: dict[str, str] = {}
    if not NAME_RE.fullmatch(name):
        errors["name"] = "use 1-64 lower-case letters, digits, '-' or '_'"
    if not TOKEN_RE.fullmatch(token):
        errors["token"] = "not a Bot API token (expected '<digits>:<secret>' from @BotFather)"  # noqa: S105
    if mode not in MODES:
        errors["mode"] = f"must be one of {', '.join(MODES)}"
    if webhook_secret is not None and not SECRET_RE.fullmatch(webhook_secret):
        errors["webhook_secret"] = "1-256 characters of A-Z, a-z, 0-9, '_' or '-'"  # noqa: S105
    for lang in greetings:
        if lang not in LANGUAGES:
            errors[f"greetings.{lang}"] = f"language must be one of {', '.join(LANGUAGES)}"
    if errors:
        raise ValidationFailed(errors)


async def add_bot(
    store: Store,
    box: SecretBox,
    *,
    name: str,
    token: str,
    mode: str = "webhook",
    webhook_secret: str | None = None,
    api_url: str | None = None,
    file_url: str | None = None,
    default_category: str | None = None,
    default_team_id: int | None = None,
    greetings: dict[str, str] | None = None,
    username: str | None = None,
    actor: Actor | None = None,
    via: str | None = None,
) -> BotInfo:
    """Configure a bot. The token is encrypted; a webhook secret is generated when not given;
    `username` is what getMe answered, when the caller checked the token. With an `actor`,
    audited as their change (`via` the API or the CLI, whose actor is the system; None: the
    admin pages). Set-up code (tests, benchmarks) passes none."""
    greetings = {k: v for k, v in (greetings or {}).items() if v}
    _validate(name, token, mode, webhook_secret, greetings)
    if default_team_id is not None and not await lookups.team_exists(store, default_team_id):
        raise ValidationFailed({"default_team_id": "no such team"})
    values = {
        "name": name,
        "token_encrypted": box.encrypt(token),
        "webhook_secret": webhook_secret or secrets.token_urlsafe(32),
        "mode": mode,
        "api_url": (api_url or DEFAULT_API_URL).rstrip("/"),
        "file_url": (file_url or DEFAULT_FILE_URL).rstrip("/"),
        "default_category": default_category,
        "default_team_id": default_team_id,
        "greetings": greetings,
        "active": True,
        "poll_offset": 0,
        "username": username,
        "created_at": store.now(),
    }
    try:
        async with store.savepoint():
            await store.execute(insert(bot_t).values(**values))
    except IntegrityError:
        raise Conflict(f"a bot named {name!r} already exists") from None
    if actor is not None:
        await audit_config(
            store, actor, AuditKind.BOT_ADDED, via=via,
            action="added", item=name, username=username, mode=mode,
        )  # fmt: skip
    return await get_bot_info(store, name)


class BotApiUnreachable(HelpdeskError):
    """The Bot API did not answer (no network, wrong --api-url); the message says where."""


async def who_is(token: str, api_url: str | None = None, file_url: str | None = None) -> str:
    """Ask the Bot API who the token belongs to (getMe); returns the bot's @username.

    Raises `ValidationFailed` for a token the Bot API rejects and `BotApiUnreachable` when it
    cannot be asked, each with a one-line message.
    """
    if not TOKEN_RE.match(token):
        raise ValidationFailed({"token": "not a bot token (expected 123456:ABC...)"})
    base = (api_url or DEFAULT_API_URL).rstrip("/")
    bot = Bot(token, base_url=base, base_file_url=(file_url or DEFAULT_FILE_URL).rstrip("/"))
    try:
        await bot.initialize()
        username = bot.username
    except InvalidToken:
        raise ValidationFailed({"token": "the Bot API does not know this token"}) from None
    except NetworkError as exc:
        raise BotApiUnreachable(f"cannot reach the Bot API at {base}: {exc}") from None
    except TelegramError as exc:
        raise BotApiUnreachable(f"the Bot API at {base} refused getMe: {exc}") from None
    finally:
        await bot.shutdown()
    return username


async def list_bots(store: Store) -> list[BotInfo]:
    """Every configured bot, without tokens."""
    rows = (await store.execute(select(bot_t).order_by(bot_t.c.name))).mappings()
    return [_info(row) for row in rows]


async def get_bot_info(store: Store, name: str) -> BotInfo:
    row = (await store.execute(select(bot_t).where(bot_t.c.name == name))).mappings().first()
    if row is None:
        raise NotFound(f"no bot named {name!r}")
    return _info(row)


async def load_bot(store: Store, box: SecretBox, name: str) -> BotConfig | None:
    """The bot called `name` with its token, or None."""
    row = (await store.execute(select(bot_t).where(bot_t.c.name == name))).mappings().first()
    return None if row is None else _config(row, box)


async def load_bot_by_id(store: Store, box: SecretBox, bot_id: int) -> BotConfig | None:
    row = (await store.execute(select(bot_t).where(bot_t.c.id == bot_id))).mappings().first()
    return None if row is None else _config(row, box)


async def polling_bots(store: Store, box: SecretBox) -> list[BotConfig]:
    rows = (
        await store.execute(
            select(bot_t).where(bot_t.c.mode == "polling", bot_t.c.active.is_(True))
        )
    ).mappings()
    return [_config(row, box) for row in rows]


async def remove_bot(
    store: Store, name: str, *, actor: Actor | None = None, via: str | None = None
) -> None:
    """Deactivate a bot that has history (its tickets keep their chats); delete an unused one.
    With an `actor`, audited."""
    info = await get_bot_info(store, name)
    action = "deleted"
    try:
        async with store.savepoint():
            await store.execute(delete(bot_t).where(bot_t.c.id == info.id))
    except IntegrityError:
        await store.execute(update(bot_t).where(bot_t.c.id == info.id).values(active=False))
        action = "deactivated"
    if actor is not None:
        await audit_config(store, actor, AuditKind.BOT_REMOVED, via=via, action=action, item=name)


async def record_webhook(
    store: Store,
    bot_id: int,
    name: str,
    *,
    ok: bool,
    username: str | None,
    detail: str,
    actor: Actor,
    via: str | None = None,
) -> None:
    """Keep what setting a bot's webhook found out (its @username, when getMe answered) and
    audit the attempt with the Bot API's answer; the admin page shows the last one."""
    if username is not None:
        await set_username(store, bot_id, username)
    kind = AuditKind.BOT_WEBHOOK_SET if ok else AuditKind.BOT_WEBHOOK_FAILED
    await audit_config(store, actor, kind, via=via, item=name, detail=detail)


async def set_username(store: Store, bot_id: int, username: str | None) -> None:
    await store.execute(update(bot_t).where(bot_t.c.id == bot_id).values(username=username))


async def advance_offset(store: Store, bot_id: int, offset: int) -> None:
    """Persist the next getUpdates offset; never moves backwards (two pollers may race)."""
    await store.execute(
        update(bot_t)
        .where(bot_t.c.id == bot_id, bot_t.c.poll_offset < offset)
        .values(poll_offset=offset)
    )


@dataclass
class Clients:
    """One PTB `Bot` per configured bot and token, initialised once and closed on shutdown."""

    bots: dict[tuple[str, str, str], Bot] = field(default_factory=dict)
    http: httpx.AsyncClient | None = None

    async def get(self, config: BotConfig) -> Bot:
        key = (config.token, config.api_url, config.file_url)
        bot = self.bots.get(key)
        if bot is None:
            # PTB's default pool has one connection: concurrent replies would time out waiting.
            bot = Bot(
                config.token,
                base_url=config.api_url,
                base_file_url=config.file_url,
                request=HTTPXRequest(connection_pool_size=8),
                get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=40),
            )
            # initialize() checks the token (getMe) and opens the HTTP clients that shutdown()
            # closes again; an uninitialised Bot would leak its connections on shutdown.
            await bot.initialize()
            raced = self.bots.get(key)
            if raced is not None:
                # Another task built the same client meanwhile: keep one, close the other.
                await bot.shutdown()
                return raced
            self.bots[key] = bot
        return bot

    async def get_updates_raw(self, config: BotConfig, offset: int, limit: int) -> list[Any]:
        """getUpdates as raw JSON (short poll). Raises `TelegramError` like PTB would."""
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=30)
        params: dict[str, Any] = {"timeout": 0, "limit": limit}
        if offset:
            params["offset"] = offset
        try:
            response = await self.http.post(
                f"{config.api_url}{config.token}/getUpdates", json=params
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise NetworkError(f"getUpdates failed: {type(exc).__name__}") from None
        if not isinstance(body, dict) or not body.get("ok"):
            description = body.get("description") if isinstance(body, dict) else None
            raise TelegramError(f"getUpdates refused: {description or response.status_code}")
        result = body.get("result")
        return result if isinstance(result, list) else []

    async def close(self) -> None:
        bots, self.bots = list(self.bots.values()), {}
        for bot in bots:
            await bot.shutdown()
        if self.http is not None:
            await self.http.aclose()
            self.http = None
