"""Admins edit the acknowledgement's texts per channel and language through the API."""

from __future__ import annotations

import re

from helpdesk import services
from helpdesk.domain import Role
from tests.autoreplies.support import office_hours_policy
from tests.channels.chat.conftest import Chat, chat
from tests.support.telegram_api import text_message_update

__all__ = ["chat"]

URL = "/api/v1/auto-replies/templates"


async def _tokens(chat: Chat) -> dict[str, dict[str, str]]:
    async with chat.rt.stores() as store:
        admin = await services.create_user(store, email="root@help.test", name="R", role=Role.ADMIN)
        agent = await services.create_user(store, email="ann@help.test", name="Ann")
        return {
            who: {"Authorization": f"Bearer {await services.create_token(store, user)}"}
            for who, user in (("admin", admin), ("agent", agent))
        }


async def test_an_edited_text_is_used_and_a_reset_brings_back_the_default(chat: Chat) -> None:
    auth = await _tokens(chat)
    await office_hours_policy(chat.rt)
    edited = {"text": "Got it! Ticket #{number}. {promise} – the ACME team"}
    put = await chat.http.put(
        f"{URL}/acknowledgement/telegram/en", json=edited, headers=auth["admin"]
    )
    assert put.status_code == 200, put.text

    await chat.send(text_message_update(71, "Hello?", message_id=1))
    [ticket] = await chat.tickets()
    [ack] = chat.api.sent_texts(71)
    assert ack.startswith(f"Got it! Ticket #{ticket['number']}. You can expect our first reply")
    assert ack.endswith("– the ACME team")

    listed = (await chat.http.get(URL, headers=auth["admin"])).json()
    assert [(t["kind"], t["channel"], t["language"]) for t in listed["edited"]] == [
        ("acknowledgement", "telegram", "en")
    ]
    assert any(d["language"] == "tr" for d in listed["defaults"])

    reset = await chat.http.delete(f"{URL}/acknowledgement/telegram/en", headers=auth["admin"])
    assert reset.status_code == 204
    again = await chat.http.delete(f"{URL}/acknowledgement/telegram/en", headers=auth["admin"])
    assert again.status_code == 404
    await chat.send(text_message_update(72, "Hello?", message_id=1))
    [default] = chat.api.sent_texts(72)
    assert default.startswith("Thank you, we received your message as request #")


async def test_bad_templates_and_non_admins_are_refused(chat: Chat) -> None:
    auth = await _tokens(chat)
    unknown = await chat.http.put(
        f"{URL}/acknowledgement/email/en",
        json={"text": "Ticket {number} for {customer_email}"},
        headers=auth["admin"],
    )
    assert unknown.status_code == 422
    assert "{customer_email}" in unknown.text
    broken = await chat.http.put(
        f"{URL}/promise/email/en", json={"text": "due {due"}, headers=auth["admin"]
    )
    assert broken.status_code == 422
    wrong_kind = await chat.http.put(
        f"{URL}/farewell/email/xx", json={"text": "bye"}, headers=auth["admin"]
    )
    assert wrong_kind.status_code == 422
    assert {"kind", "language"} <= set(wrong_kind.json()["fields"])
    agent = await chat.http.put(
        f"{URL}/acknowledgement/email/en", json={"text": "hi"}, headers=auth["agent"]
    )
    assert agent.status_code == 403
    assert (await chat.http.get(URL)).status_code == 401


async def test_the_published_schema_refuses_the_blank_texts_the_api_refuses(chat: Chat) -> None:
    """A text of whitespace alone (U+0085 is whitespace to Python, not to JSON Schema's
    regexes) is a 422; the OpenAPI document says so, so clients built from it know."""
    auth = await _tokens(chat)
    blank = await chat.http.put(
        f"{URL}/promise/email/en", json={"text": "\u0085 "}, headers=auth["admin"]
    )
    assert blank.status_code == 422
    assert "text" in blank.json()["fields"]
    document = (await chat.http.get("/api/v1/openapi.json")).json()
    text = document["components"]["schemas"]["TemplateIn"]["properties"]["text"]
    assert re.search(text["pattern"], "\u0085 ") is None
    assert re.search(text["pattern"], "We answer by {due}.") is not None
