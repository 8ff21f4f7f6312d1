"""AES-256-GCM with key ids, so keys can rotate while old rows still decrypt.

A ciphertext is ``v1.<key id>.<base64(nonce || ciphertext+tag)>``; the column it belongs
to is bound in as associated data, so a value copied into another column fails to open.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = "v1"
_NONCE_BYTES = 12


class KeyringError(Exception):
    """A key is malformed, missing, or a ciphertext does not open."""


class Keyring:
    """Ordered keys: the first encrypts, every one decrypts."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise KeyringError("at least one encryption key is needed")
        for key_id, key in keys:
            if len(key) != 32:
                raise KeyringError(f"key {key_id!r} must be 32 bytes (AES-256)")
            if not key_id.isalnum():
                raise KeyringError(f"key id {key_id!r} must be letters and digits")
        self._primary = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    @classmethod
    def from_setting(cls, value: str) -> Keyring:
        """Parse ``id:base64key,id:base64key`` (the ENCRYPTION_KEYS format)."""
        keys = []
        for item in filter(None, (part.strip() for part in value.split(","))):
            key_id, sep, encoded = item.partition(":")
            if not sep:
                raise KeyringError("each key must look like id:base64")
            try:
                keys.append((key_id, base64.b64decode(encoded, validate=True)))
            except binascii.Error:
                raise KeyringError(f"key {key_id!r} is not valid base64") from None
        return cls(keys)

    @classmethod
    def load_or_create(cls, data_dir: Path) -> Keyring:
        """The embedded mode's key: generated once into the data dir, then reused."""
        path = data_dir / "keys" / "encryption.keys"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls.from_setting(path.read_text())
        with os.fdopen(fd, "w") as handle:
            handle.write(f"local1:{base64.b64encode(os.urandom(32)).decode()}\n")
        return cls.from_setting(path.read_text())

    @property
    def primary_key_id(self) -> str:
        return self._primary

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self._primary].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_VERSION}.{self._primary}.{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        version, key_id, encoded = [*token.split(".", 2), "", ""][:3]
        cipher = self._ciphers.get(key_id)
        if version != _VERSION or cipher is None:
            raise KeyringError(f"no key {key_id!r} to open this value (version {version!r})")
        try:
            raw = base64.b64decode(encoded, validate=True)
            plain = cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (binascii.Error, InvalidTag, ValueError):
            raise KeyringError("the value does not open with its key") from None
        return plain.decode()


_current: Keyring | None = None


def use_keyring(keyring: Keyring) -> None:
    """Set the process's keyring (at start-up, from the settings)."""
    global _current
    _current = keyring


def configured_keyring() -> Keyring | None:
    """The process's keyring, or None before start-up set one."""
    return _current


def current_keyring() -> Keyring:
    if _current is None:
        raise KeyringError("no keyring configured: call use_keyring() at start-up")
    return _current
