"""Bearer-token look-ups are remembered between requests, and every change that decides a
token's access (revoked, expired, user deactivated, teams changed) is seen on the next request,
also when another process made it."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from helpdesk import services
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import credentials
from helpdesk.tables import api_token_t
from helpdesk.worker import assemble
from tests.api.conftest import Directory
from tests.core.factory import email_in

TICKETS = "/api/v1/tickets"


async def _ok(client: httpx.AsyncClient, directory: Directory, who: str) -> int:
    return (await client.get(TICKETS, headers=directory.auth(who))).status_code


async def test_a_known_token_is_answered_from_the_cache_until_it_is_revoked(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    assert await _ok(client, directory, "bob") == 200
    misses = runtime.tokens.misses
    for _ in range(3):
        assert await _ok(client, directory, "bob") == 200
    assert (runtime.tokens.hits, runtime.tokens.misses) == (3, misses)  # no look-up repeated

    async with runtime.stores() as store:
        await services.revoke_token(store, directory.tokens["bob"])
    revoked = await client.get(TICKETS, headers=directory.auth("bob"))
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "invalid, expired or revoked token"
    assert await _ok(client, directory, "alice") == 200  # other tokens keep working


async def test_a_revoke_by_another_process_is_seen_on_the_next_request(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, clock: FixedClock
) -> None:
    assert await _ok(client, directory, "bob") == 200
    assert await _ok(client, directory, "bob") == 200
    assert runtime.tokens.hits == 1
    # Another runtime on the same database: its own engine and cache, as the CLI would have.
    other = assemble(runtime.settings, clock=clock)
    try:
        async with other.stores() as store:
            await services.revoke_token(store, directory.tokens["bob"])
    finally:
        await other.close()
    assert await _ok(client, directory, "bob") == 401


async def test_a_cached_token_stops_working_at_its_expiry(
    client: httpx.AsyncClient, runtime: Runtime, clock: FixedClock
) -> None:
    async with runtime.stores() as store:
        user = await services.create_user(store, email="lee@example.com", name="Lee")
        token = await services.create_token(
            store, user, expires_at=clock.now() + timedelta(seconds=20)
        )
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get(TICKETS, headers=bearer)).status_code == 200
    clock.advance(seconds=19)
    assert (await client.get(TICKETS, headers=bearer)).status_code == 200
    assert runtime.tokens.hits == 1
    clock.advance(seconds=1)
    assert (await client.get(TICKETS, headers=bearer)).status_code == 401


async def test_deactivation_and_team_changes_apply_to_the_next_request(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    async with runtime.stores() as store:
        billing = await services.ingest(store, email_in(category="billing", subject="Invoice"))
    assert billing.ticket_id is not None

    async def bob_sees() -> set[int]:
        response = await client.get(TICKETS, headers=directory.auth("bob"))
        assert response.status_code == 200, response.text
        return {t["id"] for t in response.json()["items"]}

    assert billing.ticket_id not in await bob_sees()
    assert billing.ticket_id not in await bob_sees()  # answered from the cache
    async with runtime.stores() as store:
        await services.add_member(store, directory.billing, directory.bob)
    assert billing.ticket_id in await bob_sees()

    async with runtime.stores() as store:
        await credentials.set_user_active(store, "bob@help.test", False)
    assert await _ok(client, directory, "bob") == 401


async def test_a_cached_token_still_records_its_use_once_a_minute(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime, clock: FixedClock
) -> None:
    async def last_used() -> object:
        async with runtime.stores.read() as store:
            found = await store.execute(
                select(api_token_t.c.last_used_at).where(api_token_t.c.user_id == directory.bob)
            )
            return found.scalar_one()

    started = clock.now()
    assert await _ok(client, directory, "bob") == 200
    assert await last_used() == started
    clock.advance(seconds=20)
    assert await _ok(client, directory, "bob") == 200
    assert runtime.tokens.hits == 1
    assert await last_used() == started  # recorded a minute apart, not per request
    clock.advance(seconds=41)
    assert await _ok(client, directory, "bob") == 200
    assert await last_used() == clock.now()
