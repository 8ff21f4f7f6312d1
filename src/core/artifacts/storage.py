"""Where artifact bytes live, behind one small interface.

`LocalStorage` keeps them as files under `<data dir>/artifacts`, one file per key
(`<user id>/<task id>/<artifact id>-<safe name>`), written atomically and readable by the
service's own user only; `SupabaseStorage` (supabase_storage.py) keeps them in a private
bucket when SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are set.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Protocol


class ArtifactMissing(Exception):
    """No bytes are stored under this key."""


class InvalidKey(ValueError):
    """The key could escape the storage root (absolute, `..`, empty parts)."""


class ArtifactStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


def check_key(key: str) -> PurePosixPath:
    """The key as relative path parts, or InvalidKey when it could leave the root."""
    if not key or "\\" in key or "\x00" in key or key.startswith("/"):
        raise InvalidKey(f"invalid storage key: {key!r}")
    path = PurePosixPath(key)
    if path.is_absolute() or any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return path


class LocalStorage:
    """Files under `root`; the content type is kept in the database row, not here."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).parts)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_for(key)
        await asyncio.to_thread(_write_atomically, path, data)

    async def get(self, key: str) -> bytes:
        path = self.path_for(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ArtifactMissing(key) from None

    async def delete(self, key: str) -> None:
        path = self.path_for(key)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(path.unlink)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a 0600 temp file beside the target, fsync, then rename over it: a reader
    sees the old file or the whole new one, never a partial write."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp creates it 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
