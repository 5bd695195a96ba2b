"""`helpdesk sla ...`: load calendars, policies and ladders from JSON files, run a pass.

    helpdesk sla calendar add office.json
    helpdesk sla policy add gold.json
    helpdesk sla ladder add hardware.json
    helpdesk sla reconcile

The files hold the same objects the API's POST /api/v1/sla/{calendars,policies,ladders} takes;
docs/configuration.md describes each format with a complete example.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from helpdesk.domain import SYSTEM
from helpdesk.errors import ValidationFailed
from helpdesk.http import pydantic_fields
from helpdesk.runtime import Runtime
from sla import changes
from sla.handlers import RECONCILE_JOB, reevaluate_later
from sla.schemas import DOC


def _load(model: type[BaseModel], path: Path) -> BaseModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed({"file": f"{path}: {exc}"}) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None


async def _add(rt: Runtime, args: argparse.Namespace) -> int:
    model, _ = changes.KINDS[args.kind]
    data = _load(model, Path(args.file))
    async with rt.stores() as store:
        row_id = await changes.save(store, SYSTEM, args.kind, data, via="cli")
    # As after a save on the pages or through the API; the command waits for its jobs to end.
    await reevaluate_later(rt)
    print(f"{args.kind} {row_id} created")
    return 0


async def _reconcile(rt: Runtime, args: argparse.Namespace) -> int:
    handled = await rt.run_job(RECONCILE_JOB)
    print(f"{handled} tickets re-evaluated")
    return 0


def add_commands(subparsers: Any) -> None:
    """Add `helpdesk sla ...` to the command line."""
    sla = subparsers.add_parser("sla", help="SLA calendars, policies and escalation ladders")
    commands = sla.add_subparsers(title="sla commands")
    for kind in changes.KINDS:
        group = commands.add_parser(kind, help=f"manage {kind}s").add_subparsers()
        add = group.add_parser(
            "add",
            help=f"add a {kind} from a JSON file",
            description=f"Add an SLA {kind} from a JSON file. Durations are text with a unit "
            '("4h", "30m", "2d", "PT4H"), weekdays are names ("mon".."sun"). The format, with '
            f"a complete example: {DOC} (section SLA {kind}).",
        )
        add.add_argument("file", help=f"JSON file; format in {DOC}")
        add.set_defaults(run_in_runtime=_add, kind=kind)
    commands.add_parser("reconcile", help="handle every clock that is due now").set_defaults(
        run_in_runtime=_reconcile
    )
