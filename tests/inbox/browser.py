"""Browser helpers for the inbox tests: screenshots of every page and an axe-core check.

axe-core comes from the npm registry, pinned by package-lock.json (`npm ci` at install).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"


async def check_page(
    page: Page, name: str, folder: Path = SCREENSHOTS, *, full_page: bool = False
) -> None:
    """Write a screenshot of the page and fail on serious or critical axe-core violations."""
    folder.mkdir(exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` in {ROOT} (pip install does it)"
    # Evaluated over the DevTools protocol, so the page's strict CSP needs no loosening.
    await page.evaluate(AXE.read_text() + "\n;0")
    result: dict[str, Any] = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]  # fmt: skip
    assert bad == [], f"axe-core on {name} ({page.url}):\n{json.dumps(bad, indent=1)}"


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)
