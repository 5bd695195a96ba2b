"""Point a bot at us: check its token (getMe), then set its webhook to our URL with the bot's
secret, or, for a polling bot, remove any webhook so getUpdates works. Used by
`helpdesk bot set-webhook` and the admin page; the outcome is what the Bot API answered."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.error import InvalidToken, TelegramError

from channels.chat import bots
from channels.chat.bots import BotConfig


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    username: str | None  # from getMe, when the token worked
    detail: str  # "webhook set to https://..." or what the Bot API said


async def connect(config: BotConfig, url: str) -> Outcome:
    """Ask the Bot API who the bot is and set (or, polling, delete) its webhook."""
    clients = bots.Clients()
    try:
        try:
            bot = await clients.get(config)
            me = await bot.get_me()
        except InvalidToken:
            return Outcome(False, None, f"the Bot API does not know bot {config.name}'s token")
        except TelegramError as exc:
            return Outcome(False, None, f"cannot reach the Bot API at {config.api_url}: {exc}")
        try:
            if config.mode == "polling":
                await bot.delete_webhook()
                return Outcome(True, me.username, "the bot polls; webhook removed")
            await bot.set_webhook(url, secret_token=config.webhook_secret)
        except TelegramError as exc:
            return Outcome(False, me.username, f"the Bot API refused the webhook {url}: {exc}")
        return Outcome(True, me.username, f"webhook set to {url}")
    finally:
        await clients.close()
