"""JSON posts from a site's own front end, CORS, and idempotency keys."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from helpdesk.runtime import Runtime
from tests.channels.web_form.forms import ORIGIN, PNG, counts, ticket_by_number, valid_fields


def payload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = dict(valid_fields())
    data["consent"] = True
    data["quantity"] = 2
    data.update(changes)
    return data


async def test_preflight_allows_only_configured_origins(client: httpx.AsyncClient) -> None:
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type"}  # fmt: skip
    ok = await client.options("/forms/support", headers=headers)
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "Content-Type" in ok.headers["access-control-allow-headers"]
    evil = await client.options(
        "/forms/support", headers={**headers, "Origin": "https://evil.test"}
    )
    assert evil.status_code == 403
    assert "access-control-allow-origin" not in evil.headers


async def test_json_post_from_allowed_origin_opens_a_ticket(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    attachment = {"filename": "shot.png", "content_type": "image/png",
                  "content_base64": base64.b64encode(PNG).decode()}  # fmt: skip
    response = await client.post(
        "/forms/support",
        json=payload(attachments=[attachment]),
        headers={"Origin": ORIGIN, "Idempotency-Key": "order-AB-12345-1"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    body = response.json()
    assert body["submission_id"] == "order-AB-12345-1"
    stored = await ticket_by_number(runtime, body["ticket_number"])
    assert stored["files"] == {"shot.png": ("image/png", PNG)}
    assert stored["outbox"][0]["kind"] == "auto_reply"

    again = await client.post(
        "/forms/support",
        json=payload(),
        headers={"Origin": ORIGIN, "Idempotency-Key": "order-AB-12345-1"},
    )
    assert again.status_code == 200 and again.json()["ticket_number"] == body["ticket_number"]
    reused = await client.post(
        "/forms/support",
        json=payload(email="someone.else@example.com"),
        headers={"Idempotency-Key": "order-AB-12345-1"},
    )
    assert reused.status_code == 409
    assert (await counts(runtime))["tickets"] == 1


async def test_an_idempotency_key_reused_for_other_words_is_409_not_dropped(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    key = {"Idempotency-Key": "order-AB-12345-2"}
    first = await client.post("/forms/support", json=payload(), headers=key)
    assert first.status_code == 201, first.text
    other = await client.post(
        "/forms/support", json=payload(message="A different problem entirely"), headers=key
    )
    assert other.status_code == 409
    assert "already used" in other.json()["error"]
    stored = await ticket_by_number(runtime, first.json()["ticket_number"])
    assert stored["message"]["text"] == valid_fields()["message"]  # one message: the first
    assert (await counts(runtime))["tickets"] == 1


async def test_json_post_from_another_origin_is_refused(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    response = await client.post(
        "/forms/support", json=payload(), headers={"Origin": "https://evil.test"}
    )
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert "may not send" in response.json()["error"]
    null_origin = await client.post("/forms/support", json=payload(), headers={"Origin": "null"})
    assert null_origin.status_code == 403
    assert (await counts(runtime))["tickets"] == 0


async def test_json_validation_errors_per_field(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    response = await client.post(
        "/forms/support",
        json=payload(email="nope", message=None, quantity=[1], colour="red", device="tablet"),
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 422
    assert response.headers["access-control-allow-origin"] == ORIGIN
    body = response.json()
    assert body["error"] == "validation failed"
    assert set(body["fields"]) == {"email", "message", "quantity", "colour", "device"}
    assert body["fields"]["colour"] == "unknown field"
    tr = await client.post("/forms/support?lang=tr", json=payload(email="nope"))
    assert tr.json()["fields"]["email"].startswith("Geçerli bir e-posta")
    assert (await counts(runtime))["tickets"] == 0


async def test_malformed_json_and_wrong_shapes_are_400(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    for body in (b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"', b""):
        response = await client.post(
            "/forms/support", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]
    bad_files = await client.post(
        "/forms/support", json=payload(attachments=[{"filename": "a.png", "content_base64": "%%"}])
    )
    assert bad_files.status_code == 422 and "base64" in bad_files.json()["fields"]["attachments"]
    bad_key = await client.post("/forms/support", json=payload(submission_id="x"))
    assert bad_key.status_code == 422 and "submission_id" in bad_key.json()["fields"]
    assert (await counts(runtime))["tickets"] == 0
