"""CSRF tokens for the HTML form: a signed (form, nonce, issue time) in a hidden field, whose
nonce must equal the one in a cookie set with the page (double submit).

The issue time comes from the runtime's clock, so expiry is testable without sleeping.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeSerializer

COOKIE = "hd_form_csrf"
MAX_AGE = timedelta(hours=6)


class CsrfTokens:
    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="helpdesk.web_form.csrf")

    def issue(self, slug: str, now: datetime, nonce: str | None = None) -> tuple[str, str]:
        """(token for the hidden field, nonce for the cookie); reuses a cookie's nonce."""
        nonce = nonce if nonce and len(nonce) <= 64 else secrets.token_urlsafe(18)
        token = self._serializer.dumps({"f": slug, "n": nonce, "t": int(now.timestamp())})
        return token, nonce

    def valid(self, token: str, cookie: str | None, slug: str, now: datetime) -> bool:
        if not token or not cookie or len(token) > 500:
            return False
        try:
            data = self._serializer.loads(token)
        except BadData:
            return False
        if not isinstance(data, dict) or data.get("f") != slug:
            return False
        nonce, issued = data.get("n"), data.get("t")
        if not isinstance(nonce, str) or not isinstance(issued, int):
            return False
        age = now.timestamp() - issued
        if age < -300 or age > MAX_AGE.total_seconds():
            return False
        return hmac.compare_digest(nonce.encode(), cookie.encode())
