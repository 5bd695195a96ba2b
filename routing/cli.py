"""`helpdesk routing ...`: train and evaluate the classifier, edit the configuration (rules,
keyword rules, assignment), set agents' availability, dry-run rules, run the periodic pass.

    helpdesk routing train (--from-tickets | --csv FILE) [--text-column T] [--label-column L]
    helpdesk routing evaluate --csv TRAIN (--test-csv TEST | --folds K)
    helpdesk routing config show | helpdesk routing config set FILE
    helpdesk routing agent --email E [--availability online|away|offline] [--capacity N]
        [--skills language:tr,refunds]
    helpdesk routing dry-run FILE [--last N]
    helpdesk routing reconcile
    helpdesk routing automations
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.http import pydantic_fields
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.tables import user_t
from routing import dry_run, store
from routing.config import RoutingConfig
from routing.handlers import AUTOMATIONS_JOB, RECONCILE_JOB
from routing.rules import SKILL


def _evaluate(settings: Settings, args: argparse.Namespace) -> int:
    # Imported by the two commands that train: scikit-learn takes a second or more to import,
    # which every other `helpdesk` command would pay.
    from routing.classifier import TooLittleData
    from routing.training import BadCsv, evaluate_files

    try:
        scores = evaluate_files(
            Path(args.csv),
            test_csv=Path(args.test_csv) if args.test_csv else None,
            folds=args.folds,
            text_column=args.text_column,
            label_column=args.label_column,
        )
    except (BadCsv, TooLittleData) as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 2
    print(scores.line())
    return 0


async def _train(rt: Runtime, args: argparse.Namespace) -> int:
    from routing.classifier import TooLittleData
    from routing.training import BadCsv, read_csv, train_and_install

    try:
        if args.csv:
            texts, labels = read_csv(Path(args.csv), args.text_column, args.label_column)
            source = f"csv:{Path(args.csv).name}"
        else:
            async with rt.stores() as unit:
                texts, labels = await store.examples(unit)
            source = "tickets"
        info = await asyncio.to_thread(
            train_and_install,
            rt.settings.data_dir,
            texts,
            labels,
            source=source,
            now=rt.clock.now(),
        )
    except (BadCsv, TooLittleData) as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 2
    print(
        f"trained on {info.n} examples in {info.categories} categories "
        f"({info.training_seconds:.1f} s); cross-validated accuracy {info.cv_accuracy} "
        f"over {info.cv_folds} folds; installed in {rt.settings.data_dir / 'routing'}"
    )
    return 0


def _read_config(path: Path) -> RoutingConfig:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RoutingConfig.model_validate(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed({"file": f"{path}: {exc}"}) from None
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None


async def _config_show(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as unit:
        config = await store.load_config(unit)
    print(json.dumps(config.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


async def _config_set(rt: Runtime, args: argparse.Namespace) -> int:
    config = _read_config(Path(args.file))
    async with rt.stores() as unit:
        await store.replace_config(unit, config, user_id=None, via="cli")
    print(
        f"routing configuration saved: {len(config.rules)} rules, "
        f"{len(config.automations)} automations"
    )
    return 0


async def _agent(rt: Runtime, args: argparse.Namespace) -> int:
    async with rt.stores() as unit:
        user_id = (
            await unit.execute(
                select(user_t.c.id).where(func.lower(user_t.c.email) == args.email.lower())
            )
        ).scalar_one_or_none()
        if user_id is None:
            raise NotFound(f"no user {args.email}")
        try:
            skills = None if args.skills is None else [s for s in args.skills.split(",") if s]
            if skills and not all(SKILL.fullmatch(s.strip()) for s in skills):
                raise ValidationFailed({"skills": "letters, digits, - _ : . separated by commas"})
            await store.set_agent(
                unit,
                int(user_id),
                availability=args.availability,
                capacity=args.capacity,
                skills=skills,
            )
            asked = {
                k: v
                for k, v in (
                    ("availability", args.availability),
                    ("capacity", args.capacity),
                    ("skills", skills),
                )
                if v is not None
            }
            await store.record_change(
                unit,
                None,
                "cli",
                "agent changed",
                f"{args.email}: " + ", ".join(f"{k} {v}" for k, v in asked.items()),
                {"user_id": int(user_id), **asked},
            )
        except ValueError as exc:
            field = "capacity" if str(exc).startswith("capacity") else "availability"
            raise ValidationFailed({field: str(exc)}) from None
    assigned = await rt.run_job(RECONCILE_JOB)
    print(f"{args.email}: saved; {assigned} waiting tickets assigned")
    return 0


async def _dry_run(rt: Runtime, args: argparse.Namespace) -> int:
    config = _read_config(Path(args.file))
    async with rt.stores() as unit:
        report = await dry_run.dry_run(unit, config.rules, last=args.last)
    for line in dry_run.describe(report):
        print(line)
    return 0


async def _automations(rt: Runtime, args: argparse.Namespace) -> int:
    fired = await rt.run_job(AUTOMATIONS_JOB)
    print(f"{fired} automations fired")
    return 0


async def _reconcile(rt: Runtime, args: argparse.Namespace) -> int:
    assigned = await rt.run_job(RECONCILE_JOB)
    print(f"{assigned} waiting tickets assigned")
    return 0


def add_commands(subparsers: Any) -> None:
    """Add `helpdesk routing ...` to the command line."""
    routing = subparsers.add_parser("routing", help="categorisation, rules and assignment")
    commands = routing.add_subparsers(title="routing commands")

    train = commands.add_parser("train", help="train and install the ticket classifier")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-tickets", action="store_true", help="tickets agents categorised")
    source.add_argument("--csv", help="UTF-8 CSV file with a header")
    train.add_argument("--text-column", default="text")
    train.add_argument("--label-column", default="category")
    train.set_defaults(run_in_runtime=_train)

    evaluate = commands.add_parser(
        "evaluate", help="score the classifier on labelled data; installs nothing"
    )
    evaluate.add_argument("--csv", required=True, help="training data (UTF-8 CSV with a header)")
    held_out = evaluate.add_mutually_exclusive_group(required=True)
    held_out.add_argument("--test-csv", help="score on this file")
    held_out.add_argument("--folds", type=int, help="score by K-fold cross-validation")
    evaluate.add_argument("--text-column", default="text")
    evaluate.add_argument("--label-column", default="category")
    evaluate.set_defaults(run=_evaluate)

    config = commands.add_parser("config", help="show or replace the routing configuration")
    config_commands = config.add_subparsers(title="config commands")
    config_commands.add_parser("show").set_defaults(run_in_runtime=_config_show)
    config_set = config_commands.add_parser("set", help="replace it with a JSON file")
    config_set.add_argument("file")
    config_set.set_defaults(run_in_runtime=_config_set)

    agent = commands.add_parser("agent", help="set an agent's availability or capacity")
    agent.add_argument("--email", required=True)
    agent.add_argument("--availability", choices=list(store.AVAILABILITY))
    agent.add_argument("--capacity", type=int)
    agent.add_argument("--skills", help="comma-separated, e.g. language:tr,refunds ('' clears)")
    agent.set_defaults(run_in_runtime=_agent)

    dry = commands.add_parser(
        "dry-run", help="show what a rule set would change on the last N tickets"
    )
    dry.add_argument("file", help="JSON routing configuration whose rules to try")
    dry.add_argument("--last", type=int, default=50)
    dry.set_defaults(run_in_runtime=_dry_run)

    commands.add_parser("reconcile", help="assign waiting tickets, retrain when due").set_defaults(
        run_in_runtime=_reconcile
    )
    commands.add_parser(
        "automations", help="fire the time-based automations that are due now"
    ).set_defaults(run_in_runtime=_automations)
