"""Bad input everywhere gets a clear 4xx and stores nothing: sizes, types, bodies, floods."""

from __future__ import annotations

import httpx

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from tests.channels.web_form.forms import PNG, counts, open_form, valid_fields


async def test_oversized_file_is_a_per_file_error_and_keeps_the_input(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    hidden = await open_form(client)
    files = [
        ("attachments", ("big.png", PNG + bytes(60_000), "image/png")),
        ("attachments", ("ok.png", PNG, "image/png")),
    ]
    page = await client.post("/forms/support", data={**hidden, **valid_fields()}, files=files)
    assert page.status_code == 422
    assert "big.png: the file is larger than 48.8 KB." in page.text
    assert 'href="#f-attachments"' in page.text and "Choose your files again" in page.text
    assert 'value="Screen flickers"' in page.text
    assert (await counts(runtime)) == {"tickets": 0, "messages": 0, "attachments": 0, "outbox": 0}


async def test_wrong_file_types_are_refused(client: httpx.AsyncClient, runtime: Runtime) -> None:
    hidden = await open_form(client)
    cases = [
        ("setup.exe", b"MZ\x90\x00", "application/x-msdownload", "not accepted"),
        ("fake.png", b"MZ\x90\x00binary", "image/png", "do not match"),
        ("photo.png", PNG, "application/pdf", "not accepted"),  # name and type disagree
        ("empty.txt", b"", "text/plain", "is empty"),
    ]
    for filename, content, ctype, expected in cases:
        files = [("attachments", (filename, content, ctype))]
        page = await client.post("/forms/support", data={**hidden, **valid_fields()}, files=files)
        assert page.status_code == 422, filename
        assert f"{filename}: " in page.text and expected in page.text, filename
    too_many = [("attachments", (f"{i}.png", PNG, "image/png")) for i in range(3)]
    page = await client.post("/forms/support", data={**hidden, **valid_fields()}, files=too_many)
    assert page.status_code == 422 and "Attach at most 2 files." in page.text
    assert (await counts(runtime))["tickets"] == 0


async def test_oversized_body_is_413_before_reading_it(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    hidden = await open_form(client)
    files = [("attachments", (f"{i}.png", PNG + bytes(900_000), "image/png")) for i in range(2)]
    page = await client.post("/forms/support", data={**hidden, **valid_fields()}, files=files)
    assert page.status_code == 413 and "The upload is too large" in page.text

    async def chunks() -> object:  # no Content-Length: counted while streaming
        for _ in range(40):
            yield b"x" * 65536

    streamed = await client.post(
        "/forms/support",
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413 and "too large" in streamed.json()["error"]
    assert (await counts(runtime))["tickets"] == 0


async def test_unreadable_bodies_and_content_types(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    plain = await client.post(
        "/forms/support", content=b"hello", headers={"Content-Type": "text/plain"}
    )
    assert plain.status_code == 415
    none = await client.post("/forms/support", content=b"hello")
    assert none.status_code == 415
    no_boundary = await client.post(
        "/forms/support", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    assert no_boundary.status_code == 400 and "could not read" in no_boundary.text
    garbage = await client.post(
        "/forms/support",
        content=b"--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--b--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert garbage.status_code == 400
    bad_length = await client.post(
        "/forms/support", content=b"{}", headers={"Content-Type": "application/json",
                                                   "Content-Length": "abc"}
    )  # fmt: skip
    assert 400 <= bad_length.status_code < 500
    urlencoded = await client.post("/forms/support", data=valid_fields())  # no CSRF token
    assert urlencoded.status_code == 403
    assert (await counts(runtime))["tickets"] == 0


async def test_nul_and_control_characters_never_reach_the_database(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    response = await client.post(
        "/forms/support",
        json={**valid_fields(message="hel\x00lo\x07 there", name="A\x00B"), "consent": True},
    )
    assert response.status_code == 201, response.text


async def test_flooding_from_one_address_is_429_with_retry_after(
    client: httpx.AsyncClient, runtime: Runtime, clock: FixedClock
) -> None:
    for i in range(5):
        response = await client.post(
            "/forms/support",
            json={**valid_fields(email=f"user{i}@example.com"), "consent": True},
            headers={"Idempotency-Key": f"flood-{i:04d}"},
        )
        assert response.status_code == 201, response.text
        clock.advance(seconds=30)
    flood = await client.post(
        "/forms/support", json={**valid_fields(email="user9@example.com"), "consent": True}
    )
    assert flood.status_code == 429
    assert int(flood.headers["retry-after"]) == 600 - 150
    assert "too many requests" in flood.json()["error"]
    replay = await client.post(
        "/forms/support",
        json={**valid_fields(email="user4@example.com"), "consent": True},
        headers={"Idempotency-Key": "flood-0004"},
    )
    assert replay.status_code == 200  # the same submission again is not a sixth one
    hidden = await open_form(client)
    page = await client.post("/forms/support", data={**hidden, **valid_fields()})
    assert page.status_code == 429 and "Try again in 8 minutes" in page.text
    assert (await counts(runtime))["tickets"] == 5
    clock.advance(seconds=600 - 150)
    later = await client.post(
        "/forms/support", json={**valid_fields(email="user9@example.com"), "consent": True}
    )
    assert later.status_code == 201


async def test_flooding_with_one_email_from_many_addresses_is_429(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    from helpdesk.app import create_app

    app = create_app(runtime.settings, runtime=runtime)
    for i in range(6):
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{i}", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://helpdesk.test") as c:
            response = await c.post("/forms/support", json={**valid_fields(), "consent": True})
        assert response.status_code == (201 if i < 5 else 429), (i, response.text)
    assert (await counts(runtime))["tickets"] == 5


async def test_hostile_input_never_gets_a_5xx(client: httpx.AsyncClient, runtime: Runtime) -> None:
    """A grab bag of odd requests: each answer is a deliberate status below 500."""
    hidden = await open_form(client)
    json_bodies = [
        b"[" * 100_000,
        b'{"email": {"$ne": 1}, "message": ["x"], "consent": {}}',
        b'{"' + b"k" * 10_000 + b'": 1}',
        b'{"email": "a@b.test", "message": "x", "consent": true, "attachments": {"a": 1}}',
        b'{"email": "a@b.test", "message": "x", "consent": true, "attachments": [1, "x"]}',
        b'{"email": "a@b.test", "message": "x", "consent": true, "website": ["spam"]}',
        b'{"email": "a@b.test", "message": "x", "quantity": "NaN", "purchased_on": "2026-02-30"}',
        '{"email": "\u00e7@\u00fc.test", "message": "\ud800"}'.encode("utf-8", "surrogatepass"),
    ]
    for body in json_bodies:
        response = await client.post(
            "/forms/support", content=body, headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (body[:60], response.status_code)
    multipart_cases: list[dict[str, object]] = [
        {"data": {**hidden, "email": "x" * 300_000}},  # a field over the part limit
        {"data": hidden, "files": [("name", ("n.txt", b"file in a text field", "text/plain"))]},
        {"data": {**hidden, **valid_fields(), "lang": "xx", "submission_id": "../../etc"}},
    ]
    for case in multipart_cases:
        response = await client.post("/forms/support", **case)  # type: ignore[arg-type]
        assert 200 <= response.status_code < 500, (case, response.status_code)
    odd_gets = ["/forms/support?lang=../../x", "/forms/%C3%A7%00", "/forms/_static/../tables.py"]
    for path in odd_gets:
        response = await client.get(path, headers={"Accept-Language": ";q=x,,*;q=-1,tr;q=abc"})
        assert response.status_code < 500, path
    assert (await client.get("/forms/_static/../tables.py")).status_code == 404
