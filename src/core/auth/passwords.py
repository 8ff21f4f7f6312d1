"""Argon2id password hashing with length limits and parameter upgrades."""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
# A cap keeps one login request from making us hash megabytes.
MAX_PASSWORD_LENGTH = 1024


def check_password_length(password: str) -> None:
    """Raise ValueError with a user-facing message when the length is out of bounds."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")


class PasswordHasher:
    """Hashes and checks passwords with argon2id; the hash string carries its parameters."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int = 1) -> None:
        # parallelism 1 lets the smallest memory setting (8 KiB) stay valid for argon2.
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )

    def hash(self, password: str) -> str:
        check_password_length(password)
        return self._hasher.hash(password)

    def verify(self, hash: str, password: str) -> bool:
        # Out-of-range input cannot match a hash we made, and skipping it bounds the work.
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            return False
        try:
            return self._hasher.verify(hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(hash)
        except InvalidHashError:
            return True
