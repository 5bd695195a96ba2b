"""TOTP two-factor: set up with a code, then signing in needs a fresh code; a code works once."""

from __future__ import annotations

import re

import pyotp

from helpdesk.ports import FixedClock
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import PASSWORD, Directory, csrf_in, sign_in


def _secret(html: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', html)
    assert found, "the page shows the key to add to the app"
    return found.group(1)


async def test_two_factor_set_up_sign_in_replay_and_turn_off(
    clients: ClientFactory, directory: Directory, clock: FixedClock
) -> None:
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        started = await ayse.post("/inbox/preferences/totp/start", data={"csrf": csrf})
        assert started.status_code == 200 and "otpauth://totp/" in started.text
        wrong = await ayse.post(
            "/inbox/preferences/totp/confirm", data={"csrf": csrf, "code": "000000"}
        )
        assert wrong.status_code == 422
        secret = _secret(wrong.text)  # a fresh key after a wrong code
        code = pyotp.TOTP(secret).at(clock.now())
        on = await ayse.post("/inbox/preferences/totp/confirm", data={"csrf": csrf, "code": code})
        assert on.status_code == 303
        assert "On: signing in asks for a code" in (await ayse.get("/inbox/preferences")).text

    async with clients() as laptop:
        form = await laptop.get("/login")
        step_one = await laptop.post(
            "/login",
            data={"email": "ayse@example.test", "password": PASSWORD, "csrf": csrf_in(form.text)},
        )
        assert step_one.status_code == 200 and 'for="code">Authentication code<' in step_one.text
        assert "hd_session" not in laptop.cookies
        pending = re.search(r'name="pending" value="([^"]+)"', step_one.text)
        assert pending

        async def send(code: str, token: str = pending.group(1)) -> int:
            response = await laptop.post(
                "/login/code",
                data={"csrf": csrf_in(step_one.text), "pending": token, "code": code},
            )
            return response.status_code

        # The code that turned 2FA on was used already in this 30-second step.
        assert await send(code) == 401
        forged = pending.group(1).replace(pending.group(1)[0], "9", 1)
        clock.advance(seconds=30)
        fresh = pyotp.TOTP(secret).at(clock.now())
        assert await send(fresh, forged) == 403
        assert await send(fresh) == 303
        assert (await laptop.get("/inbox")).status_code == 200
    async with clients() as thief:  # someone who saw the password and that code
        form = await thief.get("/login")
        step_one = await thief.post(
            "/login",
            data={"email": "ayse@example.test", "password": PASSWORD, "csrf": csrf_in(form.text)},
        )
        pending = re.search(r'name="pending" value="([^"]+)"', step_one.text)
        assert pending
        replay = await thief.post(
            "/login/code",
            data={"csrf": csrf_in(step_one.text), "pending": pending.group(1), "code": fresh},
        )
        assert replay.status_code == 401 and "hd_session" not in thief.cookies
        clock.advance(minutes=6)  # the half-finished sign-in expires
        late = await thief.post(
            "/login/code",
            data={"csrf": csrf_in(step_one.text), "pending": pending.group(1),
                  "code": pyotp.TOTP(secret).at(clock.now())},
        )  # fmt: skip
        assert late.status_code == 403 and "hd_session" not in thief.cookies
    async with clients() as laptop:
        await _sign_in_with_code(laptop, pyotp.TOTP(secret).at(clock.now()))

        csrf = csrf_in((await laptop.get("/inbox")).text)
        clock.advance(seconds=30)
        off = await laptop.post(
            "/inbox/preferences/totp/disable",
            data={"csrf": csrf, "code": pyotp.TOTP(secret).at(clock.now())},
        )
        assert off.status_code == 303
    async with clients() as again:
        await sign_in(again, "ayse@example.test")  # password alone is enough again


async def _sign_in_with_code(client: object, code: str) -> None:
    import httpx

    assert isinstance(client, httpx.AsyncClient)
    form = await client.get("/login")
    step_one = await client.post(
        "/login",
        data={"email": "ayse@example.test", "password": PASSWORD, "csrf": csrf_in(form.text)},
    )
    pending = re.search(r'name="pending" value="([^"]+)"', step_one.text)
    assert pending
    done = await client.post(
        "/login/code",
        data={"csrf": csrf_in(step_one.text), "pending": pending.group(1), "code": code},
    )
    assert done.status_code == 303
