"""Forms as data: the admin JSON API (/api/v1/forms) and the `helpdesk form` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk.cli import main
from tests.channels.web_form.forms import support_definition


async def test_only_admins_manage_forms(
    client: httpx.AsyncClient, directory: dict[str, Any]
) -> None:
    assert (await client.get("/api/v1/forms")).status_code == 401
    agent = {"Authorization": f"Bearer {directory['tokens']['agent']}"}
    assert (await client.get("/api/v1/forms", headers=agent)).status_code == 403
    new = support_definition(slug="returns")
    assert (await client.post("/api/v1/forms", json=new, headers=agent)).status_code == 403


async def test_create_show_replace_list_and_remove(
    client: httpx.AsyncClient, directory: dict[str, Any]
) -> None:
    admin = {"Authorization": f"Bearer {directory['tokens']['admin']}"}
    new = support_definition(slug="returns", title="Returns", languages=["tr"])
    created = await client.post("/api/v1/forms", json=new, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/forms/returns"
    duplicate = await client.post("/api/v1/forms", json=new, headers=admin)
    assert duplicate.status_code == 409
    shown = (await client.get("/api/v1/forms/returns", headers=admin)).json()
    assert shown["title"] == {"*": "Returns"} and shown["default_team"] == "Tech"
    assert shown["attachments"]["max_files"] == 2
    page = await client.get("/forms/returns")
    assert page.status_code == 200 and '<html lang="tr">' in page.text  # its only language

    replaced = await client.put(
        "/api/v1/forms/returns", json={**new, "active": False}, headers=admin
    )
    assert replaced.status_code == 200
    assert (await client.get("/forms/returns")).status_code == 404  # inactive
    listed = (await client.get("/api/v1/forms", headers=admin)).json()["items"]
    assert [f["slug"] for f in listed] == ["returns", "support"]
    assert (await client.delete("/api/v1/forms/returns", headers=admin)).status_code == 204
    assert (await client.get("/api/v1/forms/returns", headers=admin)).status_code == 404
    assert (await client.delete("/api/v1/forms/returns", headers=admin)).status_code == 404


async def test_bad_definitions_get_422_per_field(
    client: httpx.AsyncClient, directory: dict[str, Any]
) -> None:
    admin = {"Authorization": f"Bearer {directory['tokens']['admin']}"}
    bad = support_definition(
        slug="Bad Slug!",
        allowed_origins=["https://ok.example.com/path"],
        attachments={"max_files": 99},
    )
    bad["fields"] = [*bad["fields"], {"name": "x", "type": "colour"}]
    response = await client.post("/api/v1/forms", json=bad, headers=admin)
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert {"slug", "allowed_origins", "attachments.max_files", "fields.10.type"} <= set(fields)
    unknown = support_definition(slug="x", categories=["billing", "nope"], default_team="Ghosts")
    response = await client.post("/api/v1/forms", json=unknown, headers=admin)
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "categories.1": "no category 'nope'",
        "default_team": "no team named 'Ghosts'",
    }
    no_email = support_definition(slug="x")
    no_email["fields"] = [f for f in no_email["fields"] if f["name"] != "email"]
    response = await client.post("/api/v1/forms", json=no_email, headers=admin)
    assert response.status_code == 422 and "'email' field" in json.dumps(response.json())
    broken = await client.post("/api/v1/forms", content=b"{oops", headers=admin)
    assert broken.status_code == 422 and "body" in broken.json()["fields"]
    mismatch = await client.put(
        "/api/v1/forms/other", json=support_definition(slug="x"), headers=admin
    )
    assert mismatch.status_code == 422 and "slug" in mismatch.json()["fields"]


class Cli:
    """`helpdesk ...` run in-process (its own event loop) against a data dir of its own."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("HELPDESK_SECRET_KEY", "cli-test-secret-key-0123456789")
        monkeypatch.delenv("HELPDESK_DATABASE_URL", raising=False)
        monkeypatch.delenv("HELPDESK_CONFIG", raising=False)
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err


def test_cli_adds_lists_shows_and_removes_forms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    helpdesk = Cli(tmp_path, monkeypatch, capsys)
    assert helpdesk("team", "add", "Tech")[0] == 0
    for slug in ("billing", "hardware"):
        assert helpdesk("category", "add", slug, slug.title())[0] == 0
    definition = tmp_path / "support.json"
    definition.write_text(json.dumps(support_definition()))
    code, out, err = helpdesk("form", "add", str(definition))
    assert code == 0, err
    assert "/forms/support" in out
    code, out, err = helpdesk("form", "add", str(definition))
    assert code == 2 and "exists already" in err
    toml = tmp_path / "feedback.toml"
    toml.write_text(
        'slug = "feedback"\ntitle = "Feedback"\n'
        '[[fields]]\nname = "email"\ntype = "email"\n'
        '[[fields]]\nname = "message"\ntype = "textarea"\n'
    )
    assert helpdesk("form", "add", str(toml))[0] == 0
    code, out, _ = helpdesk("form", "list")
    assert out.splitlines() == ["feedback\tactive\tFeedback", "support\tactive\tContact support"]
    shown = json.loads(helpdesk("form", "show", "support")[1])
    assert shown["allowed_origins"] == ["https://shop.example.com"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"slug": "bad", "title": "x", "fields": []}))
    code, _, err = helpdesk("form", "add", str(bad))
    assert code == 2 and "fields" in err
    assert helpdesk("form", "remove", "feedback")[0] == 0
    assert helpdesk("form", "remove", "feedback")[0] == 2
    assert helpdesk("form", "show", "feedback")[0] == 2


async def test_odd_slugs_in_admin_urls_are_404(
    client: httpx.AsyncClient, directory: dict[str, Any]
) -> None:
    admin = {"Authorization": f"Bearer {directory['tokens']['admin']}"}
    for slug in ("%C3%A7%00", "UPPER", "a" * 200):
        assert (await client.get(f"/api/v1/forms/{slug}", headers=admin)).status_code == 404
        assert (await client.delete(f"/api/v1/forms/{slug}", headers=admin)).status_code == 404
