"""`helpdesk mailbox add|list|test|remove`."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from pydantic import ValidationError

from channels.email import probe, queries, services
from channels.email.config import MailboxCreate
from helpdesk.crypto import SecretBox
from helpdesk.domain import Actor
from helpdesk.errors import ValidationFailed
from helpdesk.http import jsonable, pydantic_fields
from helpdesk.runtime import Runtime


def register(sub: Any) -> None:
    """Add the `mailbox` command to the `helpdesk` argument parser."""
    mailbox = sub.add_parser("mailbox", help="email mailboxes").add_subparsers(title="commands")
    add = mailbox.add_parser(
        "add",
        help="add a mailbox (passwords from stdin or a prompt)",
        description="Add a support mailbox: IMAP to read it, SMTP to send from it. The mail "
        "server must deliver plus-addresses (support+<token>@your-domain) into the same inbox: "
        "replies carry them so answers find their ticket. See docs/configuration.md "
        "(section Mailboxes).",
    )
    add.add_argument("name")
    add.add_argument("--address", required=True, help="the support address")
    add.add_argument("--display-name", default="")
    add.add_argument("--imap-host", required=True)
    add.add_argument("--imap-port", type=int, default=993)
    add.add_argument("--imap-tls", choices=["implicit", "starttls", "none"], default="implicit")
    add.add_argument("--imap-user", help="default: the address")
    add.add_argument("--folder", default="INBOX")
    add.add_argument("--after-import", default="seen", help="'seen' or 'move:<folder>'")
    add.add_argument("--smtp-host", required=True)
    add.add_argument("--smtp-port", type=int, default=587)
    add.add_argument("--smtp-tls", choices=["implicit", "starttls", "none"], default="starttls")
    add.add_argument("--smtp-user", help="default: the IMAP user; '' for no SMTP login")
    add.add_argument("--category", help="default category slug")
    add.add_argument("--team", help="default team name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password (used for IMAP and SMTP) from the first line of stdin",
    )
    add.set_defaults(run_in_runtime=_add)
    mailbox.add_parser("list", help="list mailboxes and their health").set_defaults(
        run_in_runtime=_list
    )
    test = mailbox.add_parser("test", help="log in to IMAP and SMTP now and report")
    test.add_argument("name")
    test.set_defaults(run_in_runtime=_test)
    remove = mailbox.add_parser("remove", help="delete a mailbox (its tickets stay)")
    remove.add_argument("name")
    remove.set_defaults(run_in_runtime=_remove)


async def _add(rt: Runtime, args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mailbox password: ")
    imap_user = args.imap_user or args.address
    smtp_user = imap_user if args.smtp_user is None else args.smtp_user
    try:
        data = MailboxCreate(
            name=args.name,
            address=args.address,
            display_name=args.display_name,
            imap_host=args.imap_host,
            imap_port=args.imap_port,
            imap_tls=args.imap_tls,
            imap_user=imap_user,
            imap_password=password,
            imap_folder=args.folder,
            after_import=args.after_import,
            smtp_host=args.smtp_host,
            smtp_port=args.smtp_port,
            smtp_tls=args.smtp_tls,
            smtp_user=smtp_user,
            smtp_password=password if smtp_user else "",
            default_category=args.category,
            default_team=args.team,
        )
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None

    async with rt.stores() as store:
        mailbox_id = await services.add_mailbox(
            store, SecretBox(rt.settings.secret_key), data, actor=Actor.system(), via="cli"
        )
    print(f"mailbox {data.name} added (id {mailbox_id})")
    return 0


async def _list(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        items = await queries.list_mailboxes(store)
    print(json.dumps(jsonable(items), indent=2))
    return 0


async def _remove(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        await services.remove_mailbox(store, args.name, actor=Actor.system(), via="cli")
    print(f"mailbox {args.name} removed")
    return 0


async def _test(rt: Runtime, args: argparse.Namespace) -> int:
    # Read the mailbox, then let the transaction go: the logins below may take seconds.
    async with rt.stores() as store:
        row = await queries.mailbox_row(store, args.name)
    mailbox = queries.decrypt(row, SecretBox(rt.settings.secret_key))
    report = await probe.try_connection(mailbox)
    async with rt.stores() as store:
        await services.record_test(store, args.name, report, actor=Actor.system(), via="cli")
    for protocol, check in (("IMAP", report.imap), ("SMTP", report.smtp)):
        print(f"{protocol} {'ok' if check.ok else 'FAILED'}: {check.detail}")
    return 0 if report.ok else 1
