"""Operators decide who may use the helpdesk: tokens expire and can be listed and revoked,
users can be deactivated, and each of these shuts the door (401) at once."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio

from helpdesk import services
from helpdesk.app import create_app
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.core.test_cli import env, run, served

__all__ = ["env", "served"]
TICKETS = "/api/v1/tickets"


@pytest_asyncio.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as c:
        yield c


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_stops_working_when_it_expires(
    runtime: Runtime, client: httpx.AsyncClient, clock: FixedClock
) -> None:
    async with runtime.stores() as store:
        user = await services.create_user(store, email="lee@example.com", name="Lee")
        token = await services.create_token(store, user, expires_at=clock.now().replace(hour=10))
    assert (await client.get(TICKETS, headers=_bearer(token))).status_code == 200
    clock.advance(seconds=3600)
    expired = await client.get(TICKETS, headers=_bearer(token))
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]


def test_operators_list_revoke_and_deactivate(
    env: dict[str, str], served: tuple[str, subprocess.Popen[bytes]]
) -> None:
    base, _ = served
    month = run(env, "token", "create", "--email", "sam@demo.test", "--expires", "30d")
    assert month.returncode == 0, month.stderr
    lasting = run(env, "token", "create", "--email", "ayse@demo.test", "--name", "laptop")
    ayse_token = lasting.stdout.strip().splitlines()[-1]
    sam_token = month.stdout.strip().splitlines()[-1]
    for token in (sam_token, ayse_token):
        assert httpx.get(f"{base}{TICKETS}", headers=_bearer(token)).status_code == 200

    listed = run(env, "token", "list").stdout.splitlines()
    assert listed[0] == "id\tuser\tname\tstate\tcreated\texpires\tlast used"
    rows = {
        line.split("\t")[1] + "/" + line.split("\t")[2]: line.split("\t") for line in listed[1:]
    }
    assert rows["sam@demo.test/cli"][3] == "active" and rows["sam@demo.test/cli"][5] != "-"
    assert rows["ayse@demo.test/laptop"][5] == "-"  # no expiry
    assert sam_token not in "\n".join(listed) and ayse_token not in "\n".join(listed)

    revoked = run(env, "token", "revoke", rows["ayse@demo.test/laptop"][0])
    assert revoked.returncode == 0, revoked.stderr
    assert httpx.get(f"{base}{TICKETS}", headers=_bearer(ayse_token)).status_code == 401
    after = run(env, "token", "list", "--email", "ayse@demo.test").stdout
    assert "\tlaptop\trevoked\t" in after
    assert run(env, "token", "revoke", "99999").returncode == 2

    deactivated = run(env, "user", "deactivate", "--email", "Sam@Demo.test")
    assert deactivated.returncode == 0, deactivated.stderr
    assert httpx.get(f"{base}{TICKETS}", headers=_bearer(sam_token)).status_code == 401
    users = run(env, "user", "list").stdout.splitlines()
    assert any(u.split("\t")[1:5:3] == ["sam@demo.test", "inactive"] for u in users)
    assert any(u.split("\t")[1:5:3] == ["ayse@demo.test", "active"] for u in users)


def test_token_expiry_needs_a_unit(env: dict[str, str]) -> None:
    assert run(env, "user", "add", "--email", "lee@example.com").returncode == 0
    bare = run(env, "token", "create", "--email", "lee@example.com", "--expires", "30")
    assert bare.returncode == 2
    assert "has no unit" in bare.stderr and "Traceback" not in bare.stderr


def test_commands_keep_migration_chatter_out_of_their_output(env: dict[str, str]) -> None:
    default = {k: v for k, v in env.items() if k != "HELPDESK_LOG_LEVEL"}  # INFO
    for _ in range(2):  # migrating a new database, then one already at head
        result = run(default, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert result.stdout.startswith("database at head: ")


def test_serve_on_a_busy_port_fails_at_once_and_starts_nothing(env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(env, "serve", "--port", str(port))
    assert result.returncode == 2
    assert result.stderr == f"helpdesk: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert not (Path(env["HELPDESK_DATA_DIR"]) / "helpdesk.db").exists()  # not even migrated


def test_the_default_data_dir_is_ignored_by_git() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "helpdesk-data/secret_key"],
        cwd=Path(__file__).parents[2],
    )
    assert ignored.returncode == 0
