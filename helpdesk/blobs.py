"""Content-addressed file storage for attachments and raw inbound messages.

A blob is stored under its SHA-256, so writing the same bytes twice stores them once and a blob
written by a transaction that later rolls back is harmless (at worst an orphan file, never a
reference to a missing one).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path

from helpdesk.errors import NotFound

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_THREAD_THRESHOLD = 256 * 1024  # larger writes go to a thread so the event loop keeps serving


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise NotFound(f"no blob {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, content: bytes) -> str:
        """Store `content`; return its SHA-256 hex digest, which is its address."""
        if len(content) > _THREAD_THRESHOLD:
            return await asyncio.to_thread(self.put_sync, content)
        return self.put_sync(content)

    def put_sync(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file under a valid address.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    async def get(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise NotFound(f"no blob {sha256}") from None

    async def delete(self, sha256: str) -> bool:
        """Remove a blob for good (an erasure): its bytes are overwritten before the file is
        unlinked, so they do not linger in the file's old blocks. False if it was not there."""
        return await asyncio.to_thread(self._delete_sync, sha256)

    def _delete_sync(self, sha256: str) -> bool:
        path = self.path(sha256)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return False
        with open(path, "r+b") as fh:
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
        return True
