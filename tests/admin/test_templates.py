"""Automatic-message texts: an admin's edit is checked, audited, and used by the sender."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpdesk.inbound import Identity
from helpdesk.runtime import Runtime
from helpdesk.services import autoreplies
from helpdesk.services.surveys import Outgoing
from helpdesk.surveys import compose
from tests.admin.conftest import ADMIN_EMAIL, audit_entries
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in

SURVEY = "/admin/templates/csat_survey/*/tr"


def _outgoing(channel: str = "email") -> Outgoing:
    return Outgoing(
        survey_id=1, ticket_id=1, ticket_number=42, subject="Yazıcı", channel=channel,
        language="tr", token="tok", to=(Identity("email", "jane@example.com", "Jane"),),
        expires_at=datetime(2026, 12, 31, tzinfo=UTC) + timedelta(days=1),
    )  # fmt: skip


async def test_an_edited_survey_text_is_what_the_customer_gets_until_reset(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        listing = await ada.get("/admin/templates")
        assert listing.status_code == 200 and SURVEY in listing.text
        form = await ada.get(SURVEY)
        assert "Nasıldık? Talep #{number}" in form.text  # the built-in text to start from
        saved = await ada.post(
            SURVEY,
            data={"csrf": csrf, "subject": "Talep #{number} nasıl geçti?",
                  "text": "Merhaba, {subject} konulu #{number} talebinizi puanlar mısınız?"},
        )  # fmt: skip
        assert saved.status_code == 303
        async with runtime.stores.read() as store:
            edited = await autoreplies.template(store, "csat_survey", "email", "tr")
        subject, text, _ = compose.message(_outgoing(), "https://help.example", edited)
        assert subject == "Talep #42 nasıl geçti?"
        assert text.startswith("Merhaba, Yazıcı konulu #42 talebinizi puanlar mısınız?")
        assert "https://help.example/survey/tok?rating=5" in text  # the links still follow
        reset = await ada.post(f"{SURVEY}/reset", data={"csrf": csrf})
        assert reset.status_code == 303
        async with runtime.stores.read() as store:
            assert await autoreplies.template(store, "csat_survey", "email", "tr") is None
    subject, _, _ = compose.message(_outgoing(), "https://help.example", None)
    assert subject == "Nasıldık? Talep #42"
    changed = (await audit_entries(runtime, "template_changed"))[0]
    assert changed["actor_user_id"] == admin.users["ada"]
    assert changed["data"] == {"kind": "csat_survey", "channel": "*", "language": "tr"}
    assert len(await audit_entries(runtime, "template_reset")) == 1


async def test_unknown_placeholders_are_refused_at_their_field(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada, clients() as ayse:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await ada.post(
            "/admin/templates/acknowledgement/*/en",
            data={"csrf": csrf, "subject": "Got it {ticket}", "text": "Hi {name} {due"},
        )
        assert bad.status_code == 422
        assert 'id="err-subject"' in bad.text and "unknown placeholders {ticket}" in bad.text
        assert 'id="err-text"' in bad.text and "not a valid template" in bad.text
        chat = await ada.post(
            "/admin/templates/promise/telegram/en", data={"csrf": csrf, "text": "By {opens}"}
        )
        assert chat.status_code == 422 and "unknown placeholders {opens}" in chat.text
        # A known placeholder with a format spec or conversion would fail (or fill memory)
        # when the message is sent, not when it is saved: refused here.
        for styled in ("By {due:>999999999}.", "By {due:d}.", "By {due!z}."):
            spec = await ada.post(
                "/admin/templates/promise/telegram/en", data={"csrf": csrf, "text": styled}
            )
            assert spec.status_code == 422 and "use plain placeholders such as {due}" in spec.text
        fine = await ada.post(
            "/admin/templates/promise/telegram/en", data={"csrf": csrf, "text": "By {due}."}
        )
        assert fine.status_code == 303
        assert (await ada.get("/admin/templates/nonsense/*/en")).status_code == 404
        assert (await ada.post(SURVEY, data={"text": "x"})).status_code == 403
        agent_csrf = await sign_in(ayse, "ayse@example.test")
        assert (await ayse.get("/admin/templates")).status_code == 403
        assert (await ayse.post(SURVEY, data={"csrf": agent_csrf, "text": "x"})).status_code == 403
    async with runtime.stores.read() as store:
        rows = await autoreplies.templates(store)
    assert [(r["kind"], r["channel"], r["text"]) for r in rows] == [
        ("promise", "telegram", "By {due}.")
    ]
    assert len(await audit_entries(runtime, "template_changed")) == 1
