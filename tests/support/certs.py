"""Self-signed TLS material for loopback servers (Dovecot STARTTLS/IMAPS, SMTP STARTTLS/SMTPS)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SelfSignedCert", "make_self_signed_cert"]


@dataclass(frozen=True)
class SelfSignedCert:
    """A cert/key pair valid for ``localhost`` and ``127.0.0.1``; the cert is its own CA."""

    cert_path: Path
    key_path: Path

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only this certificate."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(self.cert_path), str(self.key_path))
        return ctx


def make_self_signed_cert(directory: Path) -> SelfSignedCert:
    """Create ``cert.pem``/``key.pem`` in ``directory`` with the openssl CLI (~0.15 s)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FileNotFoundError("openssl not found; install the `openssl` package")
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    # Dovecot reads the key as root before dropping privileges, so 0600 is enough and avoids
    # its "key is world readable" complaints.
    key.chmod(0o600)
    return SelfSignedCert(cert_path=cert, key_path=key)
