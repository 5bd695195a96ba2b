"""`helpdesk customer|retention|access-log|webhook ...`: personal data and integrations.

helpdesk customer export ayse@example.com --out ayse.zip
helpdesk customer erase ayse@example.com --reason "request #77 of 2026-11-20" --yes
helpdesk retention set telegram --days 365 && helpdesk retention run --dry-run
helpdesk access-log export --customer 42 --out access.csv
helpdesk webhook add https://crm.example.com/hooks --event ticket.created
helpdesk webhook deliveries --dead && helpdesk webhook replay 1234
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from helpdesk import privacy, privacy_queries
from helpdesk.crypto import SecretBox
from helpdesk.errors import ValidationFailed
from helpdesk.runtime import Runtime
from helpdesk.services import retention, webhooks
from helpdesk.services.privacy import find_customer_ref


async def _export(rt: Runtime, args: argparse.Namespace) -> int:
    archive = await privacy.export(rt, args.customer, user_id=None, via="cli")
    await asyncio.to_thread(Path(args.out).write_bytes, archive.content)
    print(f"customer {archive.customer_id} exported to {args.out} ({len(archive.content)} bytes)")
    return 0


async def _erase(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        customer_id = await find_customer_ref(store, args.customer)
        actor = None
        if args.by:
            actor = await privacy_queries.user_id_by_email(store, args.by)
            if actor is None:
                print(f"helpdesk: no user {args.by}", file=sys.stderr)
                return 2
    if not args.yes:
        if not sys.stdin.isatty():
            print("helpdesk: erasing cannot be undone; pass --yes to confirm", file=sys.stderr)
            return 2
        prompt = f"Erase customer {customer_id} for good? Type the id to confirm: "
        answer = await asyncio.to_thread(input, prompt)
        if answer.strip() != str(customer_id):
            print("not erased", file=sys.stderr)
            return 1
    erased = await privacy.erase(
        rt, str(customer_id), reason=args.reason, actor_user_id=actor, via="cli"
    )
    summary = ", ".join(f"{k} {v}" for k, v in sorted(erased.counts.items()))
    print(f"customer {customer_id} erased (erasure {erased.erasure_id}): {summary}")
    return 0


async def _retention_set(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        await retention.set_rule(store, args.channel, args.days, args.action)
    print(f"{args.channel}: {args.action} closed tickets after {args.days} days")
    return 0


async def _retention_list(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        for rule in await retention.rules(store):
            print(f"{rule.channel}\t{rule.days} days\t{rule.action}")
    return 0


async def _retention_run(rt: Runtime, args: argparse.Namespace) -> int:
    report = await privacy.run_retention(rt, dry_run=args.dry_run)
    verb = "would clear" if report.dry_run else "cleared"
    total = sum(report.tickets.values())
    detail = ", ".join(f"{c} {n}" for c, n in sorted(report.tickets.items())) or "none"
    print(f"{verb} {total} tickets ({detail})")
    return 0


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed({name: "must be an ISO 8601 date-time"}) from None
    if parsed.tzinfo is None:
        raise ValidationFailed({name: "must include a time zone, e.g. 2026-11-01T00:00:00Z"})
    return parsed


async def _access_export(rt: Runtime, args: argparse.Namespace) -> int:
    flt = privacy_queries.AccessFilter(
        user_id=args.user,
        customer_id=args.customer,
        ticket_id=args.ticket,
        action=args.action,
        since=_when(args.since, "since"),
        until=_when(args.until, "until"),
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_CSV)
    after: int | None = None
    while True:
        async with rt.stores() as store:
            page = await privacy_queries.access_log(
                store, flt, limit=privacy_queries.MAX_PAGE, after_id=after
            )
        for item in page:
            writer.writerow([item[c] for c in _CSV])
        if len(page) < privacy_queries.MAX_PAGE:
            break
        after = int(page[-1]["id"])
    if args.out:
        await asyncio.to_thread(Path(args.out).write_text, buffer.getvalue(), encoding="utf-8")
    else:
        sys.stdout.write(buffer.getvalue())
    return 0


_CSV = ("id", "at", "user_id", "via", "action", "customer_id", "ticket_id", "attachment_id")


async def _webhook_add(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        created = await webhooks.create_subscription(
            store, SecretBox(rt.settings.secret_key), args.url, args.event, args.description
        )
    print(f"webhook {created.subscription_id} created; signing secret (shown once):")
    print(created.secret)
    return 0


async def _webhook_list(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        for sub in await privacy_queries.webhook_subscriptions(store):
            state = "active" if sub["active"] else "inactive"
            print(f"{sub['id']}\t{state}\t{','.join(sub['events'])}\t{sub['url']}")
    return 0


async def _webhook_remove(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        await webhooks.deactivate_subscription(store, args.id)
    print(f"webhook {args.id} deactivated")
    return 0


async def _webhook_deliveries(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        items = await privacy_queries.webhook_deliveries(
            store, status="failed" if args.dead else None, limit=args.limit
        )
    for d in items:
        codes = ",".join(str(a["status_code"] or "-") for a in d["log"])
        print(
            f"{d['id']}\t{d['status']}\t{d['event']}\t{d['event_id']}\t"
            f"attempts={d['attempts']}\tcodes={codes}\t{d['last_error'] or ''}"
        )
    return 0


async def _webhook_replay(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        await webhooks.replay(store, args.id)
    print(f"delivery {args.id} queued again")
    return 0


def add_commands(sub: Any) -> None:
    """Register the commands on the `helpdesk` parser's subparsers."""
    customer = sub.add_parser("customer", help="a customer's personal data (GDPR/KVKK)")
    cmds = customer.add_subparsers(title="customer commands")
    ex = cmds.add_parser("export", help="everything held about a customer, as a zip")
    ex.add_argument("customer", help="customer id, email address or kind:address")
    ex.add_argument("--out", required=True, help="zip file to write")
    ex.set_defaults(run_in_runtime=_export)
    er = cmds.add_parser("erase", help="erase a customer's personal data for good")
    er.add_argument("customer", help="customer id, email address or kind:address")
    er.add_argument("--reason", required=True, help="why (kept in the erasure record)")
    er.add_argument("--by", help="email of the staff member responsible")
    er.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    er.set_defaults(run_in_runtime=_erase)

    ret = sub.add_parser("retention", help="retention rules for closed tickets per channel")
    rcmds = ret.add_subparsers(title="retention commands")
    rset = rcmds.add_parser("set", help="set a channel's rule")
    rset.add_argument("channel")
    rset.add_argument("--days", type=int, required=True)
    rset.add_argument("--action", choices=retention.ACTIONS, default="anonymise")
    rset.set_defaults(run_in_runtime=_retention_set)
    rcmds.add_parser("list", help="list the rules").set_defaults(run_in_runtime=_retention_list)
    run = rcmds.add_parser("run", help="apply the rules now")
    run.add_argument("--dry-run", action="store_true", help="only count what would change")
    run.set_defaults(run_in_runtime=_retention_run)

    access = sub.add_parser("access-log", help="staff views of customer data")
    acmds = access.add_subparsers(title="access-log commands")
    aex = acmds.add_parser("export", help="write the (filtered) log as CSV")
    aex.add_argument("--user", type=int)
    aex.add_argument("--customer", type=int)
    aex.add_argument("--ticket", type=int)
    aex.add_argument("--action")
    aex.add_argument("--since", help="ISO 8601 with zone")
    aex.add_argument("--until", help="ISO 8601 with zone")
    aex.add_argument("--out", help="CSV file (default: standard output)")
    aex.set_defaults(run_in_runtime=_access_export)

    hook = sub.add_parser("webhook", help="outgoing webhooks")
    hcmds = hook.add_subparsers(title="webhook commands")
    add = hcmds.add_parser("add", help="subscribe a URL to event types")
    add.add_argument("url")
    add.add_argument("--event", action="append", required=True, choices=webhooks.EVENT_TYPES)
    add.add_argument("--description", default="")
    add.set_defaults(run_in_runtime=_webhook_add)
    hcmds.add_parser("list", help="list subscriptions").set_defaults(run_in_runtime=_webhook_list)
    rm = hcmds.add_parser("remove", help="deactivate a subscription")
    rm.add_argument("id", type=int)
    rm.set_defaults(run_in_runtime=_webhook_remove)
    dl = hcmds.add_parser("deliveries", help="recent deliveries with response codes")
    dl.add_argument("--dead", action="store_true", help="only dead letters")
    dl.add_argument("--limit", type=int, default=50)
    dl.set_defaults(run_in_runtime=_webhook_deliveries)
    rp = hcmds.add_parser("replay", help="deliver a dead (or sent) delivery again")
    rp.add_argument("id", type=int)
    rp.set_defaults(run_in_runtime=_webhook_replay)
