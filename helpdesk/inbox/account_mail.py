"""The mails that carry password links (a reset, an invitation), in the user's language,
queued as system mail in the caller's unit of work so they leave only if it commits."""

from __future__ import annotations

from helpdesk.inbound import Identity
from helpdesk.inbox.i18n import language_of, translations
from helpdesk.inbox.queries import N_
from helpdesk.services import Store
from helpdesk.services.passwords import INVITATION, IssuedLink
from helpdesk.services.system_mail import queue_system_mail

_SUBJECT = {
    INVITATION: N_("You are invited to Helpdesk"),
    "reset": N_("Reset your Helpdesk password"),
}
_BODY = {
    INVITATION: N_(
        "Hello %(name)s,\n\n"
        "An account on Helpdesk was created for you. Open this link to choose your password "
        "and sign in:\n\n%(link)s\n\n"
        "The link works once and expires in 7 days.\n"
    ),
    "reset": N_(
        "Hello %(name)s,\n\n"
        "Someone asked to reset the password of your Helpdesk account. If it was you, open "
        "this link to choose a new password:\n\n%(link)s\n\n"
        "The link works once and expires in 1 hour. If you did not ask for this, ignore this "
        "mail: your password stays as it is.\n"
    ),
}


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/reset/{token}"


async def queue_link_mail(store: Store, link: IssuedLink, base_url: str) -> int:
    """Queue the mail that carries `link`; returns the outbox id."""
    language = language_of(link.language)
    t = translations(language)
    text = t.gettext(_BODY[link.purpose]) % {
        "name": link.name,
        "link": link_url(base_url, link.token),
    }
    return await queue_system_mail(
        store,
        to=Identity("email", link.email, link.name),
        subject=t.gettext(_SUBJECT[link.purpose]),
        text=text,
        language=language,
        purpose="invitation" if link.purpose == INVITATION else "password_reset",
    )
