"""Schemathesis against a live server, on SQLite and on PostgreSQL: every documented operation
fuzzed with every check (server errors, schema conformance of answers, status codes, content
types, negative data refused, positive data accepted, 405 with Allow, ...), with an admin's
Bearer token, over a database seeded so requests reach real tickets. Zero failures expected.

The run is bounded (`--max-time`, per database) and seeded (`--seed`), so it is repeatable. How
many cases fit in the budget depends on how busy the machine is; what the test requires is that
every documented operation was tested and nothing failed.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import uvicorn

from channels.web_form import services as form_services
from channels.web_form.definition import parse_definition
from helpdesk import services
from helpdesk.app import create_app
from helpdesk.domain import Priority, Role
from helpdesk.runtime import Runtime
from helpdesk.services import Actor
from helpdesk.serving import uvicorn_options
from tests.channels.web_form.forms import support_definition
from tests.core.factory import email_in

MAX_SECONDS = int(os.environ.get("HELPDESK_SCHEMATHESIS_SECONDS", "50"))
SEED = 20261206
CONFIG = Path(__file__).with_name("schemathesis.toml")


async def _seed(rt: Runtime) -> str:
    """Teams, people, categories, tickets with messages, notes and replies, a form; an admin's
    token for the run."""
    async with rt.stores() as store:
        billing = await services.create_team(store, "Billing")
        tech = await services.create_team(store, "Tech")
        admin = await services.create_user(
            store, email="admin@help.test", name="Ada", role=Role.ADMIN
        )
        agent = await services.create_user(
            store, email="alice@help.test", name="Alice", team_ids=(billing, tech)
        )
        await services.create_user(store, email="sue@help.test", name="Sue", role=Role.SUPERVISOR)
        await services.create_category(
            store, "billing", "Billing", default_team_id=billing, default_priority=Priority.HIGH
        )
        await services.create_category(store, "hardware", "Hardware", default_team_id=tech)
        token = await services.create_token(store, admin)
        await form_services.save_form(store, parse_definition(support_definition()))
    for n in range(12):
        category = ("billing", "hardware", None)[n % 3]
        async with rt.stores() as store:
            result = await services.ingest(
                store,
                email_in(
                    sender=f"customer{n}@example.com",
                    subject=f"Problem {n}",
                    text=f"Something broke, case {n}.",
                    category=category,
                ),
            )
            assert result.ticket_id is not None
            await services.add_note(store, result.ticket_id, Actor.user(agent), "Looking")
            if n % 2:
                await services.reply(store, result.ticket_id, Actor.user(agent), "On it")
    return token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_schemathesis_finds_nothing(runtime: Runtime, tmp_path: Path) -> None:
    token = await _seed(runtime)
    settings = runtime.settings.with_changes(port=_free_port())
    app = create_app(settings, runtime=runtime)
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(settings), log_level="error"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    base = f"http://127.0.0.1:{settings.port}"
    st = Path(sys.executable).parent / "st"
    try:
        process = await asyncio.create_subprocess_exec(
            str(st), "--config-file", str(CONFIG), "run", f"{base}/api/v1/openapi.json",
            "--url", base,
            "--checks", "all", "--max-time", str(MAX_SECONDS), "--seed", str(SEED),
            "--workers", "1", "--header", f"Authorization: Bearer {token}",
            "--report", "junit", "--report-dir", str(tmp_path),
            "--output-truncate", "false",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,  # its cache of crashes goes there, not into the checkout
            env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"},
        )  # fmt: skip
        out, _ = await process.communicate()
    finally:
        server.should_exit = True
        await serving
    report = out.decode(errors="replace")
    assert process.returncode == 0, report[-20000:]
    generated = re.search(r"(\d+) generated", report)
    print(f"schemathesis: {generated.group(0) if generated else 'nothing generated'}")
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    tested = re.search(r"Tested: (\d+)", report)
    assert selected is not None and tested is not None, report[-5000:]
    assert selected.group(1) == selected.group(2) == tested.group(1), report[-5000:]
    assert generated is not None and int(generated.group(1)) > int(tested.group(1)), report[-5000:]
