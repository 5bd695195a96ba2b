"""`helpdesk token list|revoke` and `helpdesk user list|deactivate`: who may use the helpdesk.

Handlers follow the components' convention (`run_in_runtime`: `async def (rt, args) -> int`),
so `helpdesk.cli` runs them with a migrated database and this module needs nothing from it.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from helpdesk.domain import SYSTEM
from helpdesk.durations import parse_duration
from helpdesk.runtime import Runtime
from helpdesk.services import credentials, staff


def duration_arg(text: str) -> timedelta:
    """argparse `type=` for durations ("30d", "12h", "PT4H")."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_token_commands(token: Any) -> None:
    """`token list` and `token revoke` on the `token` sub-parsers."""
    listing = token.add_parser("list", help="list API tokens (never the tokens themselves)")
    listing.add_argument("--email", help="only this user's tokens")
    listing.set_defaults(run_in_runtime=_token_list)
    revoke = token.add_parser("revoke", help="revoke a token by the id `token list` shows")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run_in_runtime=_token_revoke)


def add_user_commands(user: Any) -> None:
    """`user list` and `user deactivate` on the `user` sub-parsers."""
    user.add_parser("list", help="list users and whether they are active").set_defaults(
        run_in_runtime=_user_list
    )
    deactivate = user.add_parser(
        "deactivate", help="stop a user signing in or using their tokens (history stays)"
    )
    deactivate.add_argument("--email", required=True)
    deactivate.set_defaults(run_in_runtime=_user_deactivate)


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else "-"


async def _token_list(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        tokens = await credentials.list_tokens(store, args.email)
    now = rt.clock.now()
    print("id\tuser\tname\tstate\tcreated\texpires\tlast used")
    for t in tokens:
        print(
            f"{t.id}\t{t.email}\t{t.name}\t{t.state(now)}\t{_when(t.created_at)}\t"
            f"{_when(t.expires_at)}\t{_when(t.last_used_at)}"
        )
    return 0


async def _token_revoke(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        await credentials.revoke_token_by_id(store, args.id, actor=SYSTEM, via="cli")
    print(f"token {args.id} revoked")
    return 0


async def _user_list(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        users = await credentials.list_users(store)
    print("id\temail\tname\trole\tstate")
    for u in users:
        print(f"{u.id}\t{u.email}\t{u.name}\t{u.role}\t{'active' if u.active else 'inactive'}")
    return 0


async def _user_deactivate(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        # Through the same rules as the admin pages: their sessions end, the last active
        # admin stays (the operator adds another first), and it is audited.
        user_id = await staff.set_active_by_email(store, SYSTEM, args.email, False, via="cli")
    print(f"user {user_id} {args.email.strip().lower()} deactivated; their tokens no longer work")
    return 0
