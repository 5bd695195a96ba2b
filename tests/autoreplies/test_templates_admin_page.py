"""The acknowledgement as worded in the admin pages is what the customer gets."""

from __future__ import annotations

from helpdesk import services
from helpdesk.domain import Role
from tests.autoreplies.support import office_hours_policy
from tests.channels.chat.conftest import Chat, chat
from tests.inbox.support import PASSWORD, sign_in
from tests.support.telegram_api import text_message_update

__all__ = ["chat"]

ADMIN_EMAIL = "ada@example.test"


async def test_an_acknowledgement_worded_in_the_admin_page_is_what_a_new_chat_gets(
    chat: Chat,
) -> None:
    async with chat.rt.stores() as store:
        await services.create_user(
            store, email=ADMIN_EMAIL, name="Ada Admin", role=Role.ADMIN, password=PASSWORD
        )
    await office_hours_policy(chat.rt)
    csrf = await sign_in(chat.http, ADMIN_EMAIL)
    saved = await chat.http.post(
        "/admin/templates/acknowledgement/telegram/en",
        data={"csrf": csrf, "text": "Noted as #{number}. {promise} – the ACME desk"},
    )
    assert saved.status_code == 303
    await chat.send(text_message_update(91, "Hello?", message_id=1))
    [ticket] = await chat.tickets()
    [ack] = chat.api.sent_texts(91)
    assert ack.startswith(f"Noted as #{ticket['number']}. You can expect our first reply")
    assert ack.endswith("– the ACME desk")
