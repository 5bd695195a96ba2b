"""Sign-in, sessions and CSRF over HTTP: what a browser (or an attacker's page) can do."""

from __future__ import annotations

from sqlalchemy import func, select

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.tables import message_t
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import PASSWORD, Directory, csrf_in, sign_in


async def test_a_signed_out_visitor_is_sent_to_the_sign_in_page(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as client:
        root = await client.get("/")
        assert root.status_code == 303 and root.headers["location"] == "/login"
        deep = await client.get("/inbox/tickets/1")
        assert deep.status_code == 303
        assert deep.headers["location"] == "/login?next=%2Finbox%2Ftickets%2F1"
        form = await client.get("/login")
        assert 'for="email">Email</label>' in form.text
        assert 'for="password">Password</label>' in form.text
        assert ">Sign in</button>" in form.text


async def test_sign_in_sets_a_hardened_cookie_and_lands_in_the_inbox(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients("https://testserver") as client:
        form = await client.get("/login")
        response = await client.post(
            "/login",
            data={"email": "AYSE@example.test ", "password": PASSWORD, "csrf": csrf_in(form.text),
                  "next": "/inbox?view=unassigned"},
        )  # fmt: skip
        assert response.status_code == 303
        assert response.headers["location"] == "/inbox?view=unassigned"
        cookie = next(
            v for k, v in response.headers.multi_items()
            if k == "set-cookie" and v.startswith("hd_session=")
        )  # fmt: skip
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
        page = await client.get("/inbox?view=unassigned")
        assert page.status_code == 200 and "Printer on fire" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_sign_in_refuses_to_redirect_off_site(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as client:
        form = await client.get("/login")
        response = await client.post(
            "/login",
            data={"email": "ayse@example.test", "password": PASSWORD,
                  "csrf": csrf_in(form.text), "next": "//evil.example/x"},
        )  # fmt: skip
        assert response.headers["location"] == "/inbox"


async def test_wrong_password_then_throttling_per_account(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as client:
        for _ in range(5):
            form = await client.get("/login")
            wrong = await client.post(
                "/login",
                data={"email": "tom@example.test", "password": "nope-nope",
                      "csrf": csrf_in(form.text)},
            )  # fmt: skip
            assert wrong.status_code == 401 and "Wrong email or password." in wrong.text
        form = await client.get("/login")
        # Even the right password is refused while the account is throttled.
        blocked = await client.post(
            "/login",
            data={"email": "tom@example.test", "password": PASSWORD, "csrf": csrf_in(form.text)},
        )
        assert blocked.status_code == 429 and blocked.headers["retry-after"] == "900"
        assert "hd_session" not in client.cookies
        # Another account from another address is unaffected.
    async with clients() as other:
        await sign_in(other, "ayse@example.test")


async def test_throttling_per_address_across_accounts(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as client:
        for i in range(20):
            form = await client.get("/login")
            response = await client.post(
                "/login",
                data={"email": f"nobody{i}@example.test", "password": "x" * 10,
                      "csrf": csrf_in(form.text)},
            )  # fmt: skip
            assert response.status_code == 401
        form = await client.get("/login")
        blocked = await client.post(
            "/login",
            data={"email": "bea@example.test", "password": PASSWORD, "csrf": csrf_in(form.text)},
        )
        assert blocked.status_code == 429


async def test_login_without_its_csrf_token_is_refused(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as client:
        await client.get("/login")
        response = await client.post(
            "/login", data={"email": "ayse@example.test", "password": PASSWORD}
        )
        assert response.status_code == 403
        assert "hd_session" not in client.cookies


async def test_a_post_without_the_csrf_token_gets_403_and_changes_nothing(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    async with clients() as client:
        csrf = await sign_in(client, "ayse@example.test")
        for data in ({"text": "Hello"}, {"text": "Hello", "csrf": "forged"}):
            response = await client.post(f"/inbox/tickets/{ticket}/reply", data=data)
            assert response.status_code == 403
        async with runtime.stores() as store:
            count = (
                await store.execute(
                    select(func.count()).where(
                        message_t.c.ticket_id == ticket, message_t.c.direction == "outbound"
                    )
                )
            ).scalar_one()
        assert count == 0
        ok = await client.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"text": "Hello", "csrf": csrf, "last_seen": "999999"},
        )
        assert ok.status_code == 303


async def test_a_signed_out_session_cookie_is_refused(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as client:
        csrf = await sign_in(client, "ayse@example.test")
        stolen = client.cookies["hd_session"]
        out = await client.post("/logout", data={"csrf": csrf})
        assert out.status_code == 303
    async with clients() as attacker:
        attacker.cookies.set("hd_session", stolen)
        response = await attacker.get("/inbox")
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_sign_out_everywhere_ends_every_session_of_the_user(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as laptop, clients() as phone, clients() as colleague:
        csrf = await sign_in(laptop, "ayse@example.test")
        await sign_in(phone, "ayse@example.test")
        await sign_in(colleague, "bea@example.test")
        response = await laptop.post("/logout/everywhere", data={"csrf": csrf})
        assert response.status_code == 303
        assert (await phone.get("/inbox")).status_code == 303
        assert (await laptop.get("/inbox")).status_code == 303
        assert (await colleague.get("/inbox")).status_code == 200


async def test_a_session_ends_after_twelve_idle_hours_and_use_keeps_it_alive(
    clients: ClientFactory, directory: Directory, clock: FixedClock
) -> None:
    async with clients() as client:
        await sign_in(client, "ayse@example.test")
        clock.advance(hours=11)
        assert (await client.get("/inbox")).status_code == 200  # activity recorded
        clock.advance(hours=11)
        assert (await client.get("/inbox")).status_code == 200
        clock.advance(hours=12, minutes=1)
        assert (await client.get("/inbox")).status_code == 303
