"""Inviting people by email and admin-sent password resets, over HTTP with the mail going
through a real SMTP server: the invited person sets a password through the link and signs in
with the role and teams the admin chose."""

from __future__ import annotations

import re

from helpdesk import queries
from helpdesk.domain import AuditKind
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.admin.conftest import ADMIN_EMAIL
from tests.admin.trail import config_trail
from tests.fixtures_db import scheduler_of
from tests.inbox.conftest import ClientFactory
from tests.inbox.mail_support import add_sending_mailbox, link_path
from tests.inbox.support import Directory, csrf_in, sign_in
from tests.support.smtp import SmtpServer

NEW_PASSWORD = "chosen by the invitee"


async def test_an_invited_person_sets_a_password_and_signs_in(
    runtime: Runtime,
    admin: Directory,
    clients: ClientFactory,
    smtp_sink: SmtpServer,
    clock: FixedClock,
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    support, tech = admin.teams["Support"], admin.teams["Tech"]
    async with clients() as ada, clients() as invitee:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        page = await ada.get("/admin/invitations")
        assert page.status_code == 200 and "No invitation sent yet." in page.text
        invited = await ada.post(
            "/admin/invitations",
            data={"csrf": csrf, "name": "Nur Newcomer", "email": "Nur@Example.test",
                  "role": "supervisor", "team": [str(support), str(tech)]},
        )  # fmt: skip
        assert invited.status_code == 303
        listed = await ada.get(invited.headers["location"])
        # Queued, not sent: the mail leaves only when the delivery job runs (drained below).
        assert "The invitation to nur@example.test is queued" in listed.text
        assert "sent to" not in listed.text
        assert "nur@example.test" in listed.text and "open until" in listed.text

        await scheduler_of(runtime).drain()
        [mail] = await smtp_sink.wait_for(1)
        assert mail.rcpt_tos == ("nur@example.test",)
        assert mail.message["Subject"] == "You are invited to Helpdesk"
        path = link_path(mail)
        # The account exists but nobody can sign in to it before the link is used.
        form = await invitee.get("/login")
        refused = await invitee.post(
            "/login",
            data={"email": "nur@example.test", "password": "", "csrf": csrf_in(form.text)},
        )
        assert refused.status_code == 401

        clock.advance(days=6)  # an invitation lasts a week, not an hour
        choose = await invitee.get(path)
        assert choose.status_code == 200 and "Choose your password" in choose.text
        done = await invitee.post(
            path,
            data={"csrf": csrf_in(choose.text), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        )
        assert done.status_code == 200
        await sign_in(invitee, "nur@example.test", NEW_PASSWORD)
        assert (await invitee.get("/inbox")).status_code == 200
        await sign_in(ada, ADMIN_EMAIL)  # six days idle ended Ada's session too
        assert "accepted" in (await ada.get("/admin/invitations")).text

    async with runtime.stores() as store:
        [nur] = [u for u in await queries.list_users(store) if u["email"] == "nur@example.test"]
    trail = await config_trail(runtime, AuditKind.USER_INVITED, AuditKind.PASSWORD_SET)
    actions = [(kind, actor, data["user_id"]) for kind, actor, data in trail]
    assert nur["role"] == "supervisor" and nur["team_ids"] == sorted([support, tech])
    assert actions == [
        ("user_invited", admin.users["ada"], nur["id"]),
        ("password_set", nur["id"], nur["id"]),
    ]


async def test_bad_invitations_name_each_field(
    admin: Directory, clients: ClientFactory, smtp_sink: SmtpServer, runtime: Runtime
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        cases = [
            ({"name": "", "email": "x@example.test", "role": "agent"}, "e-name"),
            ({"name": "X", "email": "not an address", "role": "agent"}, "e-email"),
            ({"name": "X", "email": "ayse@example.test", "role": "agent"}, "e-email"),
            ({"name": "X", "email": "x@example.test", "role": "bot"}, "e-role"),
            ({"name": "X", "email": "x@example.test", "role": "agent", "team": "999"}, "e-teams"),
        ]
        for data, error_id in cases:
            response = await ada.post("/admin/invitations", data={"csrf": csrf, **data})
            assert response.status_code == 422, data
            assert f'id="{error_id}"' in response.text, data
        assert (
            "already exists"
            in (
                await ada.post(
                    "/admin/invitations",
                    data={"csrf": csrf, "name": "X", "email": "ayse@example.test", "role": "agent"},
                )
            ).text
        )
        no_csrf = await ada.post(
            "/admin/invitations", data={"name": "X", "email": "x@example.test", "role": "agent"}
        )
        assert no_csrf.status_code == 403
    await scheduler_of(runtime).drain()
    assert smtp_sink.received == []


async def test_an_admin_sends_a_user_a_reset_link(
    runtime: Runtime, admin: Directory, clients: ClientFactory, smtp_sink: SmtpServer
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    ayse_id = admin.users["ayse"]
    async with clients() as ada, clients() as ayse, clients() as sam:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        sent = await ada.post(
            f"/admin/users/{ayse_id}/reset-password", data={"csrf": csrf, "next": "/admin/users"}
        )
        assert sent.status_code == 200
        assert "A password reset link to ayse@example.test is queued" in sent.text
        assert "was sent" not in sent.text
        assert 'href="/admin/users"' in sent.text
        await scheduler_of(runtime).drain()
        [mail] = await smtp_sink.wait_for(1)
        assert mail.rcpt_tos == ("ayse@example.test",)
        choose = await ayse.get(link_path(mail))
        assert choose.status_code == 200

        assert (
            await ada.post("/admin/users/999999/reset-password", data={"csrf": csrf})
        ).status_code == 404
        assert (
            await ada.post("/admin/users/abc/reset-password", data={"csrf": csrf})
        ).status_code == 404
        sam_csrf = await sign_in(sam, "sam@example.test")
        denied = await sam.post(f"/admin/users/{ayse_id}/reset-password", data={"csrf": sam_csrf})
        assert denied.status_code == 403
    trail = await config_trail(runtime, AuditKind.PASSWORD_RESET_SENT)
    assert trail == [("password_reset_sent", admin.users["ada"], {"user_id": ayse_id})]


async def test_the_users_page_button_sends_the_reset_mail(
    runtime: Runtime, admin: Directory, clients: ClientFactory, smtp_sink: SmtpServer
) -> None:
    await add_sending_mailbox(runtime, smtp_sink)
    ayse_id = admin.users["ayse"]
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        person = await ada.get(f"/admin/users/{ayse_id}")
        assert person.status_code == 200
        form = re.search(
            r'<form[^>]*action="(/admin/users/\d+/reset-password)".*?</form>', person.text, re.S
        )
        assert form is not None and "Send password reset link" in form.group(0)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form[0]))
        assert set(fields) == {"csrf", "next"}  # what the browser posts, CSRF token included
        sent = await ada.post(form.group(1), data=fields)
        assert sent.status_code == 200
        assert "A password reset link to ayse@example.test is queued" in sent.text
        assert f'href="/admin/users/{ayse_id}"' in sent.text  # back to the person's page
        await scheduler_of(runtime).drain()
        [mail] = await smtp_sink.wait_for(1)
        assert mail.rcpt_tos == ("ayse@example.test",)
        assert link_path(mail).startswith("/")
        forged = await ada.post(form.group(1), data={**fields, "csrf": "forged"})
        assert forged.status_code == 403
    trail = await config_trail(runtime, AuditKind.PASSWORD_RESET_SENT)
    assert [data for _, _, data in trail] == [{"user_id": ayse_id}]


async def test_a_crafted_link_cannot_make_the_page_confirm_an_invitation(
    admin: Directory, clients: ClientFactory
) -> None:
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        page = await ada.get("/admin/invitations?invited=ceo@example.test")
        assert page.status_code == 200
        assert "ceo@example.test" not in page.text
        assert "is queued" not in page.text


def test_the_back_link_stays_on_this_site() -> None:
    from helpdesk.admin.invitations import _safe_back

    assert _safe_back("/admin/users/3") == "/admin/users/3"
    for leaving in ("//evil.example", "https://evil.example", "/\\evil.example",
                    "/\t/evil.example", "/\n/evil.example", "/\x7f"):  # fmt: skip
        assert _safe_back(leaving) == "/admin", repr(leaving)
