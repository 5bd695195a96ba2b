"""`helpdesk macro add|list`: canned responses for the inbox's composer."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from helpdesk import services
from helpdesk.domain import SYSTEM, Priority, Status
from helpdesk.inbox import queries
from helpdesk.runtime import Runtime


def add_commands(subparsers: Any) -> None:
    macro = subparsers.add_parser("macro", help="canned responses").add_subparsers(
        title="macro commands"
    )
    add = macro.add_parser("add", help="add a macro; {{customer.name}} etc. are filled in")
    add.add_argument("name")
    add.add_argument("--body", required=True, help="the text; variables like {{customer.name}}")
    add.add_argument("--team", help="only for this team (default: everyone)")
    add.add_argument("--status", choices=[s.value for s in Status], help="also set this status")
    add.add_argument("--priority", choices=[p.value for p in Priority], help="also set priority")
    add.set_defaults(run_in_runtime=_add)
    macro.add_parser("list", help="list macros").set_defaults(run_in_runtime=_list)


async def _add(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        team_id = None
        if args.team:
            team_id = await queries.team_id_named(store, args.team)
            if team_id is None:
                print(f"helpdesk: no team named {args.team!r}", file=sys.stderr)
                return 2
        macro_id = await services.create_macro(
            store,
            args.name,
            args.body,
            team_id=team_id,
            set_status=Status(args.status) if args.status else None,
            set_priority=Priority(args.priority) if args.priority else None,
            actor=SYSTEM,
            via="cli",
        )
    print(f"macro {macro_id} {args.name} created")
    return 0


async def _list(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        for row in await queries.all_macros(store):
            print(f"{row['id']}\t{row['name']}\tteam={row['team_id'] or 'all'}")
    return 0
