"""Passwords, API tokens and signed ticket tokens.

Passwords are hashed with argon2; API tokens are random and only their SHA-256 is stored;
ticket tokens for reply-to addresses carry an HMAC so a guessed address cannot inject mail into
somebody else's ticket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
TOKEN_PREFIX = "hd_"  # noqa: S105 - a visible prefix, so leaked tokens are recognisable
_B32 = "abcdefghijklmnopqrstuvwxyz234567"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_ticket_token() -> str:
    """12 lower-case base32 characters: safe in an email local part, which MTAs may lower-case."""
    return "".join(secrets.choice(_B32) for _ in range(12))


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a secret with what a client sent. Compares bytes, because a
    URL or form may carry any text and `hmac.compare_digest` refuses non-ASCII strings."""
    return hmac.compare_digest(given.encode(), expected.encode())


def ascii_digits(text: str) -> bool:
    """Only 0-9: `str.isdigit` also accepts other scripts' digits, which `int()` then reads."""
    return text.isascii() and text.isdigit()


class Signer:
    """HMACs short strings with the installation's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"helpdesk-signer:" + secret_key.encode()).digest()

    def mac(self, value: str, purpose: str, length: int = 10) -> str:
        digest = hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base64.b32encode(digest).decode().lower()[:length]

    def sign_ticket_token(self, token: str) -> str:
        """The plus-tag of a reply-to address: `support+<tag>@example.com`."""
        return f"{token}-{self.mac(token, 'ticket')}"

    def verify_ticket_token(self, tag: str) -> str | None:
        """The ticket token inside a genuine tag, or None for anything forged or mangled."""
        token, _, mac = tag.strip().lower().partition("-")
        if not token or not mac:
            return None
        return token if hmac.compare_digest(mac, self.mac(token, "ticket")) else None
