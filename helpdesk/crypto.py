"""Encryption at rest for secrets the helpdesk must be able to read back (mailbox passwords,
bot tokens), keyed by the installation's secret key. Hashing is for secrets it only checks."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from helpdesk.errors import ConfigError


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        key = hashlib.sha256(b"helpdesk-secretbox:" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                "HELPDESK_SECRET_KEY: a stored secret cannot be decrypted; "
                "was the secret key changed?"
            ) from None
