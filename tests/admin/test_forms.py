"""/admin/forms over HTTP: the editor saves what the public page then serves, bad input is a
422 naming the field, card buttons rearrange without saving, the preview renders the public
template, and only admins with the page's CSRF token change anything; every change is logged."""

from __future__ import annotations

import html
from typing import Any

import pytest_asyncio

from channels.web_form import queries
from channels.web_form.definition import FormDefinition
from channels.web_form.services import KINDS as FORM_KINDS
from helpdesk import services
from helpdesk.audit_queries import recent_changes
from helpdesk.runtime import Runtime
from tests.admin.conftest import ADMIN_EMAIL
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in


@pytest_asyncio.fixture
async def desk(admin: Directory, runtime: Runtime) -> Directory:
    async with runtime.stores() as store:
        await services.create_category(store, "billing", "Billing")
        await services.create_category(store, "hardware", "Hardware")
    return admin


def editor_fields(csrf: str, **changes: Any) -> dict[str, Any]:
    """The editor as an admin fills it in: the four starter fields plus a device choice."""
    data: dict[str, Any] = {
        "csrf": csrf,
        "slug": "returns",
        "title-en": "Return a product",
        "title-tr": "Ürün iadesi",
        "intro-en": "Tell us what you send back.",
        "languages": ["en", "tr"],
        "active": "yes",
        "fields-rows": "5",
        "f-0-name": "email", "f-0-type": "email", "f-0-label-en": "Your email",
        "f-1-name": "subject", "f-1-type": "text",
        "f-2-name": "message", "f-2-type": "textarea",
        "f-3-name": "device", "f-3-type": "select", "f-3-label-en": "Device",
        "f-3-label-tr": "Cihaz", "f-3-choices": "phone | Phone | Telefon\nlaptop | Laptop",
        "f-4-name": "category", "f-4-type": "select",
        "required": ["0", "2", "3"],
        "categories": ["billing", "hardware"],
        "default_team": "Tech",
        "max_files": "2", "max_mib": "5", "content_types": "image/png, application/pdf",
        "rate_max": "5", "rate_window": "600",
    }  # fmt: skip
    data.update(changes)
    return data


async def _form(rt: Runtime, slug: str = "returns") -> FormDefinition | None:
    async with rt.stores.read() as store:
        form = await queries.get_form(store, slug)
    return None if form is None else form.definition


async def test_an_admin_builds_a_form_that_the_public_page_serves(
    desk: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada, clients() as visitor:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        editor = await ada.get("/admin/forms/new")
        assert editor.status_code == 200
        assert 'name="f-3-name" value="message"' in editor.text  # the starter fields
        saved = await ada.post("/admin/forms/new", data=editor_fields(csrf))
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == "/admin/forms/returns/edit?saved=1"

        definition = await _form(runtime)
        assert definition is not None
        assert [f.name for f in definition.fields] == [
            "email", "subject", "message", "device", "category"
        ]  # fmt: skip
        device = definition.fields[3]
        assert device.required and device.label == {"en": "Device", "tr": "Cihaz"}
        assert [(c.value, c.label) for c in device.choices] == [
            ("phone", {"en": "Phone", "tr": "Telefon"}),
            ("laptop", {"en": "Laptop"}),
        ]
        assert definition.default_team == "Tech"
        assert definition.attachments.max_bytes == 5 * 1024 * 1024

        page = await ada.get(saved.headers["location"])
        assert "Saved." in page.text
        assert "/forms/returns" in page.text and "&lt;iframe src=" in page.text  # the snippet

        public = await visitor.get("/forms/returns?lang=tr")
        assert public.status_code == 200
        assert "Ürün iadesi" in public.text and "Telefon" in public.text

    async with runtime.stores.read() as store:
        [change] = await recent_changes(store, FORM_KINDS)
    assert (change.action, change.subject, change.user) == ("created", "returns", "Ada Admin")
    assert change.data["form"]["fields"][3]["name"] == "device"
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        log = (await ada.get("/admin/audit?kind=web_form_saved")).text
    assert "Web form saved" in log and "item: returns" in log and "Ada Admin" in log


async def test_bad_input_is_a_422_per_field_and_saves_nothing(
    desk: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await ada.post(
            "/admin/forms/new",
            data=editor_fields(csrf, **{"f-3-choices": "", "f-1-pattern": "([a-z"}),
        )
        assert bad.status_code == 422
        assert 'id="f-3-error"' in bad.text and "a select field needs choices" in bad.text
        assert 'id="f-1-error"' in bad.text and "not a valid regular expression" in bad.text
        assert 'value="([a-z"' in bad.text  # the admin's input is kept
        unknown = await ada.post("/admin/forms/new", data=editor_fields(csrf, default_team="Nope"))
        assert unknown.status_code == 422 and 'id="default_team-error"' in unknown.text
        no_email = await ada.post("/admin/forms/new", data=editor_fields(csrf, **{"f-0-name": "x"}))
        assert (
            no_email.status_code == 422 and "a form needs an &#39;email&#39; field" in no_email.text
        )
        assert await _form(runtime) is None

        await ada.post("/admin/forms/new", data=editor_fields(csrf))
        taken = await ada.post("/admin/forms/new", data=editor_fields(csrf))
        assert taken.status_code == 409 and 'id="slug-error"' in taken.text


async def test_card_buttons_rearrange_the_fields_without_saving(
    desk: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        up = await ada.post("/admin/forms/new", data=editor_fields(csrf, op="up:3"))
        assert up.status_code == 200
        assert 'name="f-2-name" value="device"' in up.text
        assert 'name="f-3-name" value="message"' in up.text
        added = await ada.post("/admin/forms/new", data=editor_fields(csrf, op="add"))
        assert 'name="f-5-name" value="field_6"' in added.text
        removed = await ada.post("/admin/forms/new", data=editor_fields(csrf, op="remove:1"))
        assert 'value="subject"' not in removed.text
        assert await _form(runtime) is None


async def test_the_preview_is_the_public_template_of_the_draft(
    desk: Directory, clients: ClientFactory
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        preview = await ada.post(
            "/admin/forms/preview", data=editor_fields(csrf, preview_lang="tr")
        )
        assert preview.status_code == 200
        assert "Content-Security-Policy" in preview.headers
        frame = html.unescape(preview.text.split('srcdoc="')[1].split('"></iframe>')[0])
        assert '<html lang="tr">' in frame and "Ürün iadesi" in frame
        assert 'id="f-device"' in frame and "Telefon" in frame
        assert "sandbox" in preview.text
        broken = await ada.post(
            "/admin/forms/preview", data=editor_fields(csrf, **{"f-3-choices": ""})
        )
        assert "srcdoc" not in broken.text and "a select field needs choices" in broken.text


async def test_editing_replaces_the_form_and_is_logged(
    desk: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        await ada.post("/admin/forms/new", data=editor_fields(csrf))
        edit = await ada.get("/admin/forms/returns/edit")
        assert 'name="f-3-choices"' in edit.text and "phone | Phone | Telefon" in edit.text
        changed = await ada.post(
            "/admin/forms/returns/edit",
            data=editor_fields(csrf, slug="ignored", **{"title-en": "Send it back"}),
        )
        assert changed.status_code == 303
        definition = await _form(runtime)
        assert definition is not None and definition.title["en"] == "Send it back"
        assert await _form(runtime, "ignored") is None
        listing = await ada.get("/admin/forms")
        assert "Send it back" in listing.text and "updated" in listing.text
        assert (await ada.get("/admin/forms/nope/edit")).status_code == 404
    async with runtime.stores.read() as store:
        actions = [c.action for c in await recent_changes(store, FORM_KINDS)]
    assert actions == ["updated", "created"]


async def test_roles_and_csrf(desk: Directory, clients: ClientFactory, runtime: Runtime) -> None:
    async with clients() as ada, clients() as sam:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        no_token = editor_fields(csrf)
        del no_token["csrf"]
        assert (await ada.post("/admin/forms/new", data=no_token)).status_code == 403
        assert (await ada.post("/admin/forms/preview", data=no_token)).status_code == 403
        assert await _form(runtime) is None
        sam_csrf = await sign_in(sam, "sam@example.test")
        assert (await sam.get("/admin/forms")).status_code == 403
        refused = await sam.post("/admin/forms/new", data=editor_fields(sam_csrf))
        assert refused.status_code == 403
        assert await _form(runtime) is None
