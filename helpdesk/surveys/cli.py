"""`helpdesk csat policy TEAM [...]` and `helpdesk csat show TEAM`: a team's survey rules."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any

from helpdesk import lookups
from helpdesk.durations import format_duration, parse_duration
from helpdesk.runtime import Runtime
from helpdesk.services import surveys


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_commands(subparsers: Any) -> None:
    csat = subparsers.add_parser(
        "csat", help="CSAT survey rules per team (defaults: HELPDESK_CSAT_DELAY, every solve)"
    ).add_subparsers(title="csat commands")
    policy = csat.add_parser("policy", help="set a team's survey rules")
    policy.add_argument("team", help="team name")
    policy.add_argument("--off", action="store_true", help="this team sends no surveys")
    policy.add_argument(
        "--delay", type=_duration, help="after the solve, like 0s, 30m, 2h (default: setting)"
    )
    policy.add_argument("--sample", type=int, default=100, help="percent of solves surveyed")
    policy.add_argument(
        "--cooldown-days", type=int, default=0, help="no second survey to a customer within N days"
    )
    policy.add_argument(
        "--no-resurvey", action="store_true", help="do not survey again after a reopen"
    )
    policy.add_argument(
        "--bad", type=int, default=2, help="ratings at or below this reopen the ticket (0: never)"
    )
    policy.set_defaults(run_in_runtime=_policy)
    show = csat.add_parser("show", help="print a team's survey rules")
    show.add_argument("team", help="team name")
    show.set_defaults(run_in_runtime=_show)


async def _team(rt: Runtime, name: str) -> int | None:
    async with rt.stores() as store:
        team_id = await lookups.team_id_by_name(store, name)
    if team_id is None:
        print(f"helpdesk: no team named {name!r}", file=sys.stderr)
    return team_id


async def _policy(rt: Runtime, args: argparse.Namespace) -> int:
    team_id = await _team(rt, args.team)
    if team_id is None:
        return 2
    async with rt.stores() as store:
        await surveys.set_policy(
            store,
            team_id,
            enabled=not args.off,
            delay=args.delay,
            sample_percent=args.sample,
            cooldown_days=args.cooldown_days,
            resurvey_after_reopen=not args.no_resurvey,
            bad_threshold=args.bad,
        )
    return await _show(rt, args)


async def _show(rt: Runtime, args: argparse.Namespace) -> int:
    team_id = await _team(rt, args.team)
    if team_id is None:
        return 2
    async with rt.stores() as store:
        policy = await surveys.policy_for(store, team_id, rt.settings.csat_delay)
    state = "on" if policy.enabled else "off"
    print(
        f"{args.team}: surveys {state}, {format_duration(policy.delay)} after the solve, "
        f"{policy.sample_percent}% sampled, cool-down {policy.cooldown.days} days, "
        f"{'again' if policy.resurvey_after_reopen else 'not again'} after a reopen, "
        f"ratings <= {policy.bad_threshold} reopen the ticket"
    )
    return 0
