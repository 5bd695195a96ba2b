"""`helpdesk form add|list|show|remove`: manage forms from definition files (JSON or TOML)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from channels.web_form import queries, services
from channels.web_form.definition import load_definition_file
from helpdesk.runtime import Runtime


def add_commands(subparsers: Any) -> None:
    form = subparsers.add_parser("form", help="web forms").add_subparsers(title="form commands")
    add = form.add_parser(
        "add",
        help="add a form from a JSON or TOML definition file",
        description="Add a web form from a JSON or TOML definition file. The format, with a "
        "complete example: docs/configuration.md (section Web form).",
    )
    add.add_argument("file", type=Path, help="definition file; format in docs/configuration.md")
    add.add_argument("--replace", action="store_true", help="replace a form with the same slug")
    add.set_defaults(run_in_runtime=_add)
    form.add_parser("list", help="list forms").set_defaults(run_in_runtime=_list)
    show = form.add_parser("show", help="print a form's definition as JSON")
    show.add_argument("slug")
    show.set_defaults(run_in_runtime=_show)
    remove = form.add_parser("remove", help="remove a form (its tickets stay)")
    remove.add_argument("slug")
    remove.set_defaults(run_in_runtime=_remove)


async def _add(rt: Runtime, args: argparse.Namespace) -> int:
    definition = load_definition_file(args.file)
    async with rt.stores() as store:
        await services.save_form(store, definition, replace=args.replace, via="cli")
    print(f"form {definition.slug} saved: {rt.settings.base_url}/forms/{definition.slug}")
    return 0


async def _list(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        forms = await queries.list_forms(store)
    for item in forms:
        title = item["title"].get("en") or item["title"].get("*") or ""
        state = "active" if item["active"] else "inactive"
        print(f"{item['slug']}\t{state}\t{title}")
    return 0


async def _show(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        form = await queries.get_form(store, args.slug)
    if form is None:
        print(f"helpdesk: no form {args.slug!r}", file=sys.stderr)
        return 2
    print(json.dumps(form.definition.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


async def _remove(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as store:
        await services.remove_form(store, args.slug, via="cli")
    print(f"form {args.slug} removed")
    return 0
