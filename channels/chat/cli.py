"""`helpdesk bot add|list|remove|set-webhook`."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from channels.chat import bots, webhook_setup
from channels.chat.tables import DEFAULT_API_URL, DEFAULT_FILE_URL
from helpdesk.crypto import SecretBox
from helpdesk.domain import Actor
from helpdesk.runtime import Runtime


def add_commands(sub: Any) -> None:
    """Add the `bot` command group to the `helpdesk` parser."""
    bot = sub.add_parser("bot", help="Telegram bots").add_subparsers(title="bot commands")

    add = bot.add_parser("add", help="add a bot (the token is read from stdin or a prompt)")
    add.add_argument("name", help="short name used in URLs, e.g. support")
    add.add_argument("--mode", choices=bots.MODES, default="webhook")
    add.add_argument("--category", help="default category slug for its tickets")
    add.add_argument("--team-id", type=int, help="default team id for its tickets")
    add.add_argument("--greeting-en")
    add.add_argument("--greeting-tr")
    add.add_argument("--api-url", default=DEFAULT_API_URL, help="Bot API base (local server)")
    add.add_argument("--file-url", default=DEFAULT_FILE_URL)
    add.add_argument(
        "--offline",
        action="store_true",
        help="do not check the token with the Bot API (getMe) now; `set-webhook` checks it later",
    )
    add.set_defaults(run_in_runtime=_add)

    bot.add_parser("list", help="list bots (tokens are never shown)").set_defaults(
        run_in_runtime=_list
    )

    remove = bot.add_parser("remove", help="remove (or deactivate, if it has history) a bot")
    remove.add_argument("name")
    remove.set_defaults(run_in_runtime=_remove)

    hook = bot.add_parser("set-webhook", help="register the webhook with Telegram")
    hook.add_argument("name")
    hook.add_argument("--url", help="public URL (default HELPDESK_BASE_URL + webhook path)")
    hook.set_defaults(run_in_runtime=_set_webhook)


def _read_token() -> str:
    # The token is a password: never an argument (shell history, ps), never echoed.
    if sys.stdin.isatty():
        return getpass.getpass("Bot token: ").strip()
    return sys.stdin.readline().strip()


async def _add(rt: Runtime, args: argparse.Namespace) -> int:
    token = _read_token()
    # Ask the Bot API who this is before storing it, so a typo fails here and not at the
    # first customer message. Errors are one line (HelpdeskError, printed by `helpdesk`).
    username = None if args.offline else await bots.who_is(token, args.api_url, args.file_url)
    async with rt.stores() as store:
        info = await bots.add_bot(
            store,
            SecretBox(rt.settings.secret_key),
            name=args.name,
            token=token,
            mode=args.mode,
            api_url=args.api_url,
            file_url=args.file_url,
            default_category=args.category,
            default_team_id=args.team_id,
            greetings={"en": args.greeting_en or "", "tr": args.greeting_tr or ""},
            username=username,
            actor=Actor.system(),
            via="cli",
        )
    who = f" @{username}" if username else " (token not checked: --offline)"
    print(f"bot {info.name}{who} added ({info.mode}); webhook path {info.webhook_path}")
    return 0


async def _list(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        for info in await bots.list_bots(store):
            state = "active" if info.active else "inactive"
            print(f"{info.name}\t{info.mode}\t{state}\t@{info.username or '?'}\t{info.api_url}")
    return 0


async def _remove(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        await bots.remove_bot(store, args.name, actor=Actor.system(), via="cli")
    print(f"bot {args.name} removed")
    return 0


async def _set_webhook(rt: Runtime, args: argparse.Namespace) -> int:
    box = SecretBox(rt.settings.secret_key)
    async with rt.stores() as store:
        config = await bots.load_bot(store, box, args.name)
    if config is None:
        print(f"helpdesk: no bot named {args.name!r}", file=sys.stderr)
        return 2
    url = args.url or rt.settings.base_url + bots.webhook_path(config.name)
    outcome = await webhook_setup.connect(config, url)
    async with rt.stores() as store:
        await bots.record_webhook(
            store, config.id, config.name, ok=outcome.ok, username=outcome.username,
            detail=outcome.detail, actor=Actor.system(), via="cli",
        )  # fmt: skip
    if not outcome.ok:
        print(f"helpdesk: {outcome.detail}", file=sys.stderr)
        return 2
    print(f"bot {config.name} (@{outcome.username}) {outcome.detail}")
    return 0
