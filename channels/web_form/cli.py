"""`helpdesk form add|list|show|remove`: manage forms from definition files (JSON or TOML)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from channels.web_form import queries, services
from channels.web_form.definition import load_definition_file
from helpdesk.blobs import BlobStore
from helpdesk.bus import Bus
from helpdesk.db import Database
from helpdesk.errors import HelpdeskError
from helpdesk.migrate import upgrade
from helpdesk.ports import SystemClock
from helpdesk.security import Signer
from helpdesk.settings import Settings
from helpdesk.store import Stores


def add_commands(subparsers: Any) -> None:
    form = subparsers.add_parser("form", help="web forms").add_subparsers(title="form commands")
    add = form.add_parser("add", help="add a form from a JSON or TOML definition file")
    add.add_argument("file", type=Path)
    add.add_argument("--replace", action="store_true", help="replace a form with the same slug")
    add.set_defaults(run=_add)
    form.add_parser("list", help="list forms").set_defaults(run=_list)
    show = form.add_parser("show", help="print a form's definition as JSON")
    show.add_argument("slug")
    show.set_defaults(run=_show)
    remove = form.add_parser("remove", help="remove a form (its tickets stay)")
    remove.add_argument("slug")
    remove.set_defaults(run=_remove)


class _Context:
    """What these commands need: units of work and the settings. Built from core parts
    rather than `helpdesk.cli.with_runtime`, whose import would pull in every component."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        clock = SystemClock()
        signer = Signer(settings.secret_key)
        blobs = BlobStore(settings.blob_dir)
        self.stores = Stores(db=self.db, bus=Bus(), clock=clock, blobs=blobs, signer=signer)


def _with_runtime(settings: Settings, body: Callable[[_Context], Awaitable[int]]) -> int:
    upgrade(settings.database_url)

    async def run() -> int:
        context = _Context(settings)
        try:
            return await body(context)
        finally:
            await context.db.dispose()

    try:
        return asyncio.run(run())
    except HelpdeskError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 2


def _add(settings: Settings, args: argparse.Namespace) -> int:
    definition = load_definition_file(args.file)

    async def body(rt: _Context) -> int:
        async with rt.stores() as store:
            await services.save_form(store, definition, replace=args.replace)
        print(f"form {definition.slug} saved: {rt.settings.base_url}/forms/{definition.slug}")
        return 0

    return _with_runtime(settings, body)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    async def body(rt: _Context) -> int:
        async with rt.stores() as store:
            forms = await queries.list_forms(store)
        for item in forms:
            title = item["title"].get("en") or item["title"].get("*") or ""
            state = "active" if item["active"] else "inactive"
            print(f"{item['slug']}\t{state}\t{title}")
        return 0

    return _with_runtime(settings, body)


def _show(settings: Settings, args: argparse.Namespace) -> int:
    async def body(rt: _Context) -> int:
        async with rt.stores() as store:
            form = await queries.get_form(store, args.slug)
        if form is None:
            print(f"helpdesk: no form {args.slug!r}", file=sys.stderr)
            return 2
        print(json.dumps(form.definition.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return 0

    return _with_runtime(settings, body)


def _remove(settings: Settings, args: argparse.Namespace) -> int:
    async def body(rt: _Context) -> int:
        async with rt.stores() as store:
            await services.remove_form(store, args.slug)
        print(f"form {args.slug} removed")
        return 0

    return _with_runtime(settings, body)
