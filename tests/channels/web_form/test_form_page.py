"""The HTML form over HTTP: rendering, languages, validation, CSRF, honeypot, success."""

from __future__ import annotations

from typing import Any

import httpx

from helpdesk.runtime import Runtime
from tests.channels.web_form.forms import PNG, counts, open_form, ticket_by_number, valid_fields


async def test_page_is_accessible_localised_and_framable_only_by_allowed_origins(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/forms/support")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html and "Contact support" in html
    assert '<label for="f-email">' in html and 'id="f-email"' in html
    assert "<fieldset>" in html and "<legend>Your details</legend>" in html
    assert 'name="website"' in html and 'tabindex="-1"' in html  # honeypot
    assert 'name="viewport"' in html
    assert 'aria-describedby="f-order_number-hint"' in html
    assert '<option value="hardware">Hardware</option>' in html
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://shop.example.com" in csp
    assert "x-frame-options" not in page.headers
    assert "hd_form_csrf" in page.headers["set-cookie"]
    css = await client.get("/forms/_static/form.css")
    assert css.status_code == 200 and "wf-summary" in css.text


async def test_turkish_page_by_query_and_by_accept_language(client: httpx.AsyncClient) -> None:
    by_query = await client.get("/forms/support?lang=tr")
    assert '<html lang="tr">' in by_query.text
    assert "Destek ile iletişim" in by_query.text
    assert "Talebi gönder" in by_query.text and "Sipariş numarası" in by_query.text
    assert by_query.headers["content-language"] == "tr"
    by_header = await client.get("/forms/support", headers={"Accept-Language": "tr-TR,en;q=0.5"})
    assert "Bilgileriniz" in by_header.text
    english = await client.get("/forms/support", headers={"Accept-Language": "de, en;q=0.3"})
    assert "Your details" in english.text


async def test_unknown_form_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/forms/nope")).status_code == 404
    posted = await client.post("/forms/nope", json={"email": "a@b.test"})
    assert posted.status_code == 404


async def test_errors_come_back_per_field_with_input_kept(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    hidden = await open_form(client)
    bad = valid_fields(email="not-an-email", order_number="12345", message="", consent=None)
    page = await client.post("/forms/support", data={**hidden, **bad})
    assert page.status_code == 422
    html = page.text
    assert 'id="wf-summary"' in html and "There is a problem" in html
    assert 'href="#f-email"' in html and "Enter a valid email address" in html
    assert 'aria-describedby="f-email-error"' in html and 'aria-invalid="true"' in html
    assert 'id="f-message-error"' in html and "This field is required." in html
    assert "Enter a value in the requested format." in html
    assert "Tick this box to continue." in html
    assert 'value="not-an-email"' in html and 'value="Ayşe Yılmaz"' in html
    assert '<option value="laptop" selected>' in html
    assert (await counts(runtime))["tickets"] == 0


async def test_turkish_errors(client: httpx.AsyncClient) -> None:
    hidden = await open_form(client, "/forms/support?lang=tr")
    page = await client.post(
        "/forms/support?lang=tr", data={**hidden, **valid_fields(email="x@", quantity="çok")}
    )
    assert page.status_code == 422
    assert "Bir sorun var" in page.text and "Geçerli bir e-posta adresi girin" in page.text
    assert "Bir sayı girin" in page.text


async def test_success_opens_a_ticket_with_attachment_and_queues_confirmation(
    client: httpx.AsyncClient, runtime: Runtime, directory: dict[str, Any]
) -> None:
    hidden = await open_form(client)
    files = [
        ("attachments", ("screen.png", PNG, "image/png")),
        ("attachments", ("notes.txt", "Çalışmıyor\n".encode("cp1254"), "text/plain")),
    ]
    page = await client.post("/forms/support", data={**hidden, **valid_fields()}, files=files)
    assert page.status_code == 200, page.text
    assert "Your ticket number is" in page.text
    # No mailbox is set up here, so nothing will be emailed and the page promises nothing
    # (tests/channels/web_form/test_confirmation_promise.py has the case with a mailbox).
    assert "We are sending a confirmation" not in page.text
    number = int(page.text.split('id="ticket-number">#')[1].split("<")[0])
    stored = await ticket_by_number(runtime, number)
    ticket, message = stored["ticket"], stored["message"]
    assert ticket["channel"] == "web_form" and ticket["source"] == "support"
    assert ticket["subject"] == "Screen flickers"
    assert ticket["team_id"] == directory["tech"]  # the form's default team
    assert message["text"] == "My screen flickers after the update."
    assert "Order number: AB-12345" in message["full_text"]
    assert stored["files"]["screen.png"] == ("image/png", PNG)
    assert stored["files"]["notes.txt"][1] == "Çalışmıyor\n".encode("cp1254")
    [confirmation] = stored["outbox"]
    assert confirmation["kind"] == "auto_reply" and confirmation["channel"] == "web_form"
    payload = confirmation["payload"]
    assert payload["to"] == [
        {"kind": "email", "address": "ayse@example.com", "display_name": "Ayşe Yılmaz"}
    ]
    assert payload["subject"] == f"[#{number}] We received your request: Screen flickers"
    assert f"#{number}" in payload["text"]

    # The same page submitted again (a double click, a reload) is the same ticket.
    again = await client.post("/forms/support", data={**hidden, **valid_fields()}, files=files)
    assert again.status_code == 200 and f"#{number}<" in again.text
    assert (await counts(runtime))["tickets"] == 1


async def test_category_routes_and_turkish_confirmation(
    client: httpx.AsyncClient, runtime: Runtime, directory: dict[str, Any]
) -> None:
    hidden = await open_form(client, "/forms/support?lang=tr")
    page = await client.post(
        "/forms/support?lang=tr", data={**hidden, **valid_fields(category="billing")}
    )
    assert page.status_code == 200 and "Talep numaranız" in page.text
    number = int(page.text.split('id="ticket-number">#')[1].split("<")[0])
    stored = await ticket_by_number(runtime, number)
    assert stored["ticket"]["team_id"] == directory["billing"]  # the category's team wins
    assert stored["ticket"]["language"] == "tr"
    assert "Talebinizi aldık" in stored["outbox"][0]["payload"]["subject"]


async def test_bad_csrf_token_is_refused_and_the_form_shown_again(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    hidden = await open_form(client)
    forged = {**hidden, "csrf_token": hidden["csrf_token"][:-4] + "AAAA"}
    page = await client.post("/forms/support", data={**forged, **valid_fields()})
    assert page.status_code == 403
    assert "This form has expired" in page.text and 'value="Ayşe Yılmaz"' in page.text
    client.cookies.clear()
    no_cookie = await client.post("/forms/support", data={**hidden, **valid_fields()})
    assert no_cookie.status_code == 403
    assert (await counts(runtime))["tickets"] == 0
    # The page shown again carries a fresh token that works.
    retry = await open_form(client)
    ok = await client.post("/forms/support", data={**retry, **valid_fields()})
    assert ok.status_code == 200


async def test_honeypot_filled_is_refused(client: httpx.AsyncClient, runtime: Runtime) -> None:
    hidden = await open_form(client)
    page = await client.post(
        "/forms/support", data={**hidden, **valid_fields(), "website": "http://spam.test"}
    )
    assert page.status_code == 400 and "could not be accepted" in page.text
    assert (await counts(runtime))["tickets"] == 0


async def test_over_https_the_csrf_cookie_works_inside_a_third_party_iframe(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("https://helpdesk.test/forms/support")
    cookie = page.headers["set-cookie"].lower()
    assert "samesite=none" in cookie and "secure" in cookie and "partitioned" in cookie
    assert "httponly" in cookie and "path=/forms" in cookie


async def test_the_hidden_language_field_keeps_the_page_language(
    client: httpx.AsyncClient,
) -> None:
    hidden = await open_form(client, "/forms/support?lang=tr")
    assert hidden["lang"] == "tr"
    page = await client.post("/forms/support", data={**hidden, **valid_fields(email="x")})
    assert page.status_code == 422 and '<html lang="tr">' in page.text
