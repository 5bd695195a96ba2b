"""The `helpdesk` command as an operator uses it, in real subprocesses on a real port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.services import free_port

HELPDESK = [sys.executable, "-m", "helpdesk.cli"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    return {**clean, "HELPDESK_DATA_DIR": str(tmp_path / "data"), "HELPDESK_LOG_LEVEL": "WARNING"}


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HELPDESK, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def served(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*HELPDESK, "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=out,  # a file, not a pipe: nobody reads it while the test runs
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail(f"helpdesk serve did not answer within 30 s:\n{log.read_text()[-3000:]}")
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_serve_demo_answers_health_and_a_cli_token_lists_the_demo_tickets(
    env: dict[str, str], served: tuple[str, subprocess.Popen[bytes]]
) -> None:
    base, _ = served
    health = httpx.get(f"{base}/healthz").json()
    assert health["status"] == "ok"
    assert health["database"]["kind"] == "sqlite"
    created = run(env, "token", "create", "--email", "sam@demo.test")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("hd_")
    tickets = httpx.get(f"{base}/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert tickets.status_code == 200
    subjects = {t["subject"] for t in tickets.json()["items"]}
    assert "Cannot log in after password reset" in subjects
    assert len(subjects) == 5


def test_operator_commands_create_users_teams_and_tokens(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "team", "add", "Billing").returncode == 0
    added = run(
        env, "user", "add", "--email", "Lee@Example.com", "--role", "admin", "--team", "Billing",
        "--password-stdin", stdin="correct horse battery\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "lee@example.com" in added.stdout
    duplicate = run(env, "user", "add", "--email", "lee@example.com")
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr
    no_team = run(env, "user", "add", "--email", "x@example.com", "--team", "Nope")
    assert no_team.returncode == 2
    assert "no team named 'Nope'" in no_team.stderr
    unknown = run(env, "token", "create", "--email", "ghost@example.com")
    assert unknown.returncode == 2


def test_a_bad_setting_stops_start_up_with_its_name(env: dict[str, str]) -> None:
    result = run({**env, "HELPDESK_DEFAULT_TIMEZONE": "Mars/Olympus"}, "db", "upgrade")
    assert result.returncode == 2
    assert "HELPDESK_DEFAULT_TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr
