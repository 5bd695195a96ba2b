"""Language and time zone per user: the UI in Turkish from the Babel catalog, times in the
reader's zone."""

from __future__ import annotations

import re

from helpdesk.inbox.i18n import translations
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, csrf_in, sign_in


def test_every_catalog_message_has_a_turkish_translation() -> None:
    from babel.messages.pofile import read_po

    from helpdesk.inbox.i18n import catalogs

    assert catalogs("tr"), "no Turkish catalog found"
    for po in catalogs("tr"):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        untranslated = [m.id for m in catalog if m.id and not m.string]
        assert untranslated == [], po.name
    assert translations("tr").gettext("Sign in") == "Giriş yap"


async def test_a_user_switches_to_turkish_and_istanbul_time(
    clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        english = await ayse.get("/inbox?view=unassigned")
        assert '<html lang="en">' in english.text and ">Views</h2>" in english.text
        # The fixed clock says 09:00 UTC; the ticket changed then.
        assert re.search(r'title="Nov 23, 2026, 9:0\d:\d\d\s?AM"', english.text)

        bad = await ayse.post(
            "/inbox/preferences", data={"csrf": csrf, "language": "tr", "timezone": "Mars/Base"}
        )
        assert bad.status_code == 422 and "IANA time zone" in bad.text
        saved = await ayse.post(
            "/inbox/preferences",
            data={"csrf": csrf, "language": "tr", "timezone": "Europe/Istanbul"},
        )
        assert saved.status_code == 303
        turkish = await ayse.get("/inbox?view=unassigned")
        assert '<html lang="tr">' in turkish.text
        assert ">Görünümler</h2>" in turkish.text and "Atanmamış" in turkish.text
        assert re.search(r'title="23 Kas 2026 12:0\d:\d\d"', turkish.text)
        preferences = await ayse.get("/inbox/preferences")
        assert csrf_in(preferences.text) == csrf
        assert "<option selected>Europe/Istanbul</option>" in preferences.text
